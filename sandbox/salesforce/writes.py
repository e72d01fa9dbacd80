"""Record writes as Salesforce performs them: field checks, validation rules, stamps, change feed.

Every successful write (API or a simulated user edit) moves SystemModstamp and LastModifiedDate,
even when no value changed, exactly as DML does in Salesforce.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.ids import is_valid_id, to18
from sandbox.salesforce.org import Change, Org
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.setup_rules import check_setup_write
from sandbox.salesforce.table import Row, Table
from sandbox.salesforce.values import TEXT_TYPES, coerce_input, python_of_internal

ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)
SECURITY_OBJECTS = frozenset({"FieldPermissions", "PermissionSetAssignment", "PermissionSet"})


@dataclass(frozen=True)
class Actor:
    """Who writes: an API session (field-level security and scripted rejections apply) or a user edit."""

    user_id: str
    client: str | None = None
    api: bool = True


@dataclass
class Pending:
    """A checked write waiting for commit: new slot values over the old row (None = create)."""

    table: Table
    index: int | None
    values: dict[int, object]
    old: Row | None


def no_such_column(name: str, sobject: str) -> RecordError:
    """INVALID_FIELD for an unknown field in a write."""
    return RecordError("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}")


def _target_field(table: Table, name: str, actor: Actor, creating: bool) -> FieldDef:
    definition = table.sobject.field(name, api_view=actor.api)
    if definition is None:
        raise no_such_column(name, table.sobject.name)
    allowed = definition.createable if creating else definition.updateable
    if not allowed or (actor.api and not definition.editable):
        raise RecordError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {definition.name}. Please check the security settings of this field "
            "and verify that it is read/write for your profile or permission set.",
            [definition.name],
        )
    return definition


def _checked(org: Org, definition: FieldDef, raw: object) -> object:
    value = coerce_input(definition.type, raw)
    if value is None:
        return None
    label, sf_type = definition.label, definition.type
    if sf_type in TEXT_TYPES and sf_type != "picklist" and len(str(value)) > definition.length:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{label}: data value too large: {str(value)[:255]} (max length={definition.length})",
            [definition.name],
        )
    if definition.name == "CurrencyIsoCode" and value not in org.active_currencies:
        raise RecordError("FIELD_INTEGRITY_EXCEPTION", f"{label}: invalid currency code: {value}", [definition.name])
    if sf_type == "picklist" and definition.restricted and value not in definition.picklist:
        raise RecordError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{label}: bad value for restricted picklist field: {value}",
            [definition.name],
        )
    if sf_type in ("currency", "double", "percent", "int"):
        return _checked_number(definition, value)
    if sf_type == "reference":
        return _checked_reference(org, definition, str(value))
    return value


def _checked_number(definition: FieldDef, value: object) -> object:
    assert isinstance(value, int | float)
    whole_digits = (definition.precision - definition.scale) if definition.precision else (definition.digits or 18)
    if abs(value) >= 10**whole_digits:
        raise RecordError(
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{definition.label}: value outside of valid range on numeric field: {value}",
            [definition.name],
        )
    return value if definition.type == "int" else round(float(value), definition.scale)


def _checked_reference(org: Org, definition: FieldDef, value: str) -> str:
    target = org.table_for_id(value) if is_valid_id(value) else None
    if target is None or target.sobject.name not in definition.reference_to:
        raise RecordError("MALFORMED_ID", f"{definition.label}: id value of incorrect type: {value}", [definition.name])
    index = target.index_of(value)
    if index is None:
        raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [definition.name])
    return to18(value)


def _take_rejection(org: Org, sobject: str, record_id: str | None) -> None:
    for rejection in org.rejections:
        if rejection.times <= 0:
            continue
        if rejection.sobject not in (None, sobject) or rejection.record_id not in (None, record_id):
            continue
        rejection.times -= 1
        raise RecordError(rejection.code, rejection.message, rejection.fields)


def as_python(table: Table, row: Row) -> dict[str, object]:
    """A row as {field name: Python value} (Decimal money, aware datetimes), every field included."""
    return {
        f.name: python_of_internal(f.type, row[f.slot] if f.slot < len(row) else None) for f in table.sobject.fields
    }


def _validate(org: Org, table: Table, new: Row, old: Row | None) -> None:
    rules = [r for r in org.validation_rules if r.active and r.sobject.lower() == table.sobject.name.lower()]
    if not rules:
        return
    record, before = as_python(table, new), as_python(table, old) if old is not None else None
    for rule in rules:
        takes_old = len(inspect.signature(rule.condition).parameters) > 1
        condition: Callable[..., bool] = rule.condition
        failed = condition(record, before) if takes_old else condition(record)
        if failed:
            raise RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, [rule.field] if rule.field else [])


def _body_values(org: Org, table: Table, body: dict[str, object], actor: Actor, creating: bool) -> dict[int, object]:
    values: dict[int, object] = {}
    for name, raw in body.items():
        if name == "attributes" or (name.lower() == "id" and not creating):
            continue
        definition = _target_field(table, name, actor, creating)
        values[definition.slot] = _checked(org, definition, raw)
    return values


def _merged(table: Table, old: Row | None, values: dict[int, object]) -> list[object]:
    fields = table.sobject.fields
    if old is None:
        row: list[object] = [None] * len(fields)
    else:  # a field added after this row was written reads as its default (false for a checkbox)
        row = list(old) + [f.default_value if f.type == "boolean" else None for f in fields[len(old) :]]
    for slot, value in values.items():
        row[slot] = value
    return row


def _apply_defaults(org: Org, table: Table, row: list[object], actor: Actor) -> None:
    for definition in table.sobject.fields:
        if row[definition.slot] is not None:
            continue
        if definition.default_picklist is not None:
            row[definition.slot] = definition.default_picklist
        elif definition.type == "boolean":
            row[definition.slot] = bool(definition.default_value)
        elif definition.name == "OwnerId":
            row[definition.slot] = actor.user_id
        elif definition.name == "CurrencyIsoCode":
            row[definition.slot] = org.corporate_currency
        elif definition.auto_number:
            row[definition.slot] = f"{len(table.rows) + 1:08d}"


def _check_required(table: Table, row: list[object], creating: bool) -> None:
    missing = [
        f.name
        for f in table.sobject.fields
        if not f.nillable and (f.createable if creating else f.updateable) and row[f.slot] is None
    ]
    if missing:
        raise RecordError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)


def prepare(org: Org, table: Table, record_id: str | None, body: dict[str, object], actor: Actor) -> Pending:
    """Check a create (record_id None) or an update, raising RecordError as Salesforce would."""
    creating = record_id is None
    index = None if creating else locate(table, str(record_id))
    old = None if index is None else table.rows[index]
    values = _body_values(org, table, body, actor, creating)
    row = _merged(table, old, values)
    if creating:
        _apply_defaults(org, table, row, actor)
    _check_required(table, row, creating)
    if table.sobject.name == "User":
        row[table.sobject.by_name["name"].slot] = " ".join(
            str(v)
            for v in (row[table.sobject.by_name["firstname"].slot], row[table.sobject.by_name["lastname"].slot])
            if v
        )
    check_setup_write(org, table, row, old)
    _validate(org, table, tuple(row), old)
    if actor.api:
        _take_rejection(org, table.sobject.name, record_id and to18(record_id))
    return Pending(table, index, {i: v for i, v in enumerate(row) if old is None or i >= len(old) or old[i] != v}, old)


def locate(table: Table, record_id: str) -> int:
    """The live row of `record_id`, or RecordError NOT_FOUND / ENTITY_IS_DELETED / MALFORMED_ID."""
    if not is_valid_id(record_id) or record_id[:3] != table.sobject.key_prefix:
        raise RecordError(
            "MALFORMED_ID", f"{table.sobject.label} ID: id value of incorrect type: {record_id}", ["Id"], status=400
        )
    index = table.index_of(record_id)
    if index is None:
        raise RecordError("NOT_FOUND", "The requested resource does not exist", status=404)
    deleted = table.sobject.by_name.get("isdeleted")
    row = table.rows[index]
    if deleted is not None and row is not None and row[deleted.slot]:
        raise RecordError("ENTITY_IS_DELETED", "entity is deleted", status=404)
    return index


def commit(org: Org, pending: Pending, actor: Actor, stamp: int) -> str:
    """Apply a checked write with fresh stamps; publish the change."""
    table, sobject = pending.table, pending.table.sobject
    row = _merged(table, pending.old, pending.values)
    slot = {
        name: sobject.by_name[name.lower()].slot
        for name in ("LastModifiedDate", "SystemModstamp")
        if name.lower() in sobject.by_name
    }
    for name in ("LastModifiedDate", "SystemModstamp"):
        if name in slot:
            row[slot[name]] = stamp
    if "lastmodifiedbyid" in sobject.by_name:
        row[sobject.by_name["lastmodifiedbyid"].slot] = actor.user_id
    if pending.index is None:
        row[0] = table.next_id()
        for name, value in (("isdeleted", False), ("createddate", stamp), ("createdbyid", actor.user_id)):
            if name in sobject.by_name:
                row[sobject.by_name[name].slot] = value
        table.insert(tuple(row))
    else:
        table.replace(pending.index, tuple(row))
    record_id = str(row[0])
    if sobject.name in SECURITY_OBJECTS:
        org.refresh_field_security()
    kind = "create" if pending.index is None else "update"
    org.publish(Change(sobject.name, record_id, kind, pending.old, tuple(row), actor.client, actor.user_id, stamp))
    return record_id


def save(
    org: Org, table: Table, record_id: str | None, body: dict[str, object], actor: Actor, stamp: int | None = None
) -> str:
    """Create (record_id None) or update one record; returns its id. `stamp` backdates the commit."""
    pending = prepare(org, table, record_id, body, actor)
    return commit(org, pending, actor, org.stamp() if stamp is None else min(stamp, org.stamp()))
