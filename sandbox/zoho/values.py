"""Validate one record from a PUT/POST body into stored values, failing as Zoho fails.

Per-record errors are `{code, details{api_name, json_path, ...}, message}` entries [zoho.md §2.5;
OAS `updateRecords` examples]: a wrong type gives `expected_data_type`, a too-long text
`maximum_length`, an unknown field "the field api name given seems to be invalid". System fields
(timestamps, audit users, totals, auto numbers) are silently ignored.
"""

from __future__ import annotations

from typing import Any

from sandbox.zoho.clock import is_date, parse_offset_datetime
from sandbox.zoho.ids import parse_id
from sandbox.zoho.org import Org
from sandbox.zoho.schema import SYSTEM_FIELDS, FieldDef, ModuleDef
from sandbox.zoho.table import Row

_TEXT = {"text", "textarea", "picklist", "email", "phone", "website"}
_NUMBER = {"currency", "double", "percent"}


class FieldError(Exception):
    """A per-record failure with Zoho's code, details and message."""

    def __init__(self, code: str, details: dict[str, Any], message: str = "invalid data") -> None:
        super().__init__(code)
        self.code = code
        self.details = details
        self.message = message


def validate_record(
    org: Org, module: ModuleDef, record: dict[str, Any], path: str, include_read_only: bool = False
) -> Row:
    """Stored values for the writable fields of one input record; raises FieldError.

    `include_read_only` lets a CRM user (the control API) set totals and auto numbers; the
    timestamps and audit users are always the org's own.
    """
    values: Row = {}
    for name, value in record.items():
        if name == "id" or name.startswith("$"):
            continue
        definition = module.fields.get(name)
        where = f"{path}.{name}"
        if definition is None:
            details = {"api_name": name, "json_path": where}
            raise FieldError("INVALID_DATA", details, "the field api name given seems to be invalid")
        if name in SYSTEM_FIELDS or (definition.read_only and not include_read_only):
            continue
        values[name] = coerce(org, definition, value, where)
    return values


def require_mandatory(module: ModuleDef, values: Row, path: str) -> None:
    """On insert, every mandatory field must be present and not empty."""
    for definition in module.fields.values():
        if definition.mandatory and values.get(definition.api_name) in (None, ""):
            details = {"api_name": definition.api_name, "json_path": f"{path}.{definition.api_name}"}
            raise FieldError("MANDATORY_NOT_FOUND", details, "required field not found")


def coerce(org: Org, definition: FieldDef, value: Any, where: str) -> Any:
    """One input value as stored, or FieldError."""
    if value is None:
        if definition.mandatory:
            details = {"api_name": definition.api_name, "json_path": where}
            raise FieldError("MANDATORY_NOT_FOUND", details, "required field not found")
        return None
    kind = definition.data_type
    if kind in _TEXT:
        return _text(definition, value, where)
    if kind in _NUMBER:
        return _number(definition, value, where)
    if kind in {"integer", "bigint"}:
        return _integer(definition, value, where)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and is_date(value):
        return value
    if kind == "datetime" and isinstance(value, str):
        return _datetime(definition, value, where)
    if kind in {"lookup", "ownerlookup"}:
        return _reference(org, definition, value, where)
    raise _type_error(definition, where)


def _type_error(definition: FieldDef, where: str) -> FieldError:
    details = {"expected_data_type": definition.data_type, "api_name": definition.api_name, "json_path": where}
    return FieldError("INVALID_DATA", details)


def _text(definition: FieldDef, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _type_error(definition, where)
    if definition.length is not None and len(value) > definition.length:
        details = {"maximum_length": definition.length, "api_name": definition.api_name, "json_path": where}
        raise FieldError("INVALID_DATA", details)
    return value


def _number(definition: FieldDef, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error(definition, where)
    places = definition.decimal_place if definition.decimal_place is not None else 9
    digits = (definition.length or 16) - (places if definition.data_type == "currency" else 0)
    if abs(value) >= 10**digits:
        details = {"maximum_length": definition.length, "api_name": definition.api_name, "json_path": where}
        raise FieldError("INVALID_DATA", details)
    return round(float(value), places)


def _integer(definition: FieldDef, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error(definition, where)
    if definition.data_type == "integer" and abs(value) >= 10 ** (definition.length or 9):
        details = {"maximum_length": definition.length or 9, "api_name": definition.api_name, "json_path": where}
        raise FieldError("INVALID_DATA", details)
    return value


def _datetime(definition: FieldDef, value: str, where: str) -> int:
    try:
        return parse_offset_datetime(value, strict=True)
    except ValueError:
        raise _type_error(definition, where) from None


def _reference(org: Org, definition: FieldDef, value: Any, where: str) -> int:
    raw = value.get("id") if isinstance(value, dict) else value
    target_id = parse_id(raw)
    if target_id is None:
        raise _type_error(definition, where)
    if definition.data_type == "ownerlookup":
        exists = org.user(target_id) is not None
    else:
        exists = org.tables[definition.lookup or ""].get(target_id) is not None
    if not exists:
        raise FieldError("INVALID_DATA", {"api_name": definition.api_name, "json_path": where})
    return target_id
