"""Field metadata as `GET /settings/fields` shows it, and custom-field creation with generated API names.

Zoho generates a custom field's API name from its label: only letters, digits and underscores,
starting with a letter, no double underscore, no trailing underscore [Docs: API Names (CRM
help)]; the create call returns only the new field's id, so clients read the generated name back
from metadata [zoho.md §3]. Here other characters become `_`, runs collapse, and a name already
taken in the module gets `_1`, `_2`, ... (the exact collision suffix Zoho uses is unverified).
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.zoho.schema import JSON_TYPES, FieldDef, ModuleDef

# data_type -> (min length, max length, default length) accepted at creation [V7: Create Custom Fields].
LENGTHS: dict[str, tuple[int, int, int]] = {
    "text": (1, 255, 255),
    "textarea": (1, 32000, 2000),
    "integer": (1, 9, 9),
    "currency": (1, 16, 16),
    "double": (1, 18, 16),
    "percent": (1, 5, 5),
    "bigint": (1, 18, 18),
    "picklist": (1, 120, 120),
}
CREATABLE = {*LENGTHS, "boolean", "date", "datetime", "email", "phone", "website"}
STANDARD_LAYOUT = {"api_name": "Standard__s", "name": "Standard"}


def generate_api_name(label: str, taken: set[str]) -> str:
    """The API name Zoho would give a new custom field with this label."""
    base = re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_")
    base = re.sub(r"^[^A-Za-z]+", "", base) or "Field"
    lowered = {name.lower() for name in taken}
    candidate, n = base, 0
    while candidate.lower() in lowered:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def field_json(module: ModuleDef, definition: FieldDef, layout_id: str) -> dict[str, Any]:
    """One entry of `GET /settings/fields?module=`."""
    editable = not definition.read_only
    return {
        "api_name": definition.api_name,
        "field_label": definition.label,
        "display_label": definition.label,
        "data_type": definition.data_type,
        "json_type": JSON_TYPES.get(definition.data_type, "string"),
        "id": definition.id,
        "custom_field": definition.custom,
        "system_mandatory": definition.mandatory,
        "read_only": False,
        "field_read_only": not editable,
        "length": definition.length,
        "decimal_place": definition.decimal_place,
        "visible": True,
        "type": "used",
        "created_source": "crm" if definition.custom else "default",
        "operation_type": {
            "web_update": editable,
            "api_create": editable,
            "web_create": editable,
            "api_update": editable,
        },
        "view_type": {"view": True, "edit": editable, "quick_create": False, "create": editable},
        "pick_list_values": [_picklist_value(value, n) for n, value in enumerate(definition.picklist)],
        "lookup": _lookup(definition),
        "currency": {"rounding_option": "normal", "precision": 2} if definition.data_type == "currency" else {},
        "layout_associations": [{**STANDARD_LAYOUT, "id": layout_id}],
        "module": {"api_name": module.api_name, "id": module.id},
    }


def _picklist_value(value: str, n: int) -> dict[str, Any]:
    return {"display_value": value, "actual_value": value, "sequence_number": n + 1, "type": "used"}


def _lookup(definition: FieldDef) -> dict[str, Any]:
    if definition.data_type != "lookup":
        return {}
    return {
        "module": {"api_name": definition.lookup},
        "display_label": definition.label,
        "api_name": definition.api_name,
    }


class FieldInputError(Exception):
    """A field definition the create call refuses."""

    def __init__(self, code: str, details: dict[str, Any], message: str = "invalid data") -> None:
        super().__init__(code)
        self.code = code
        self.details = details
        self.message = message


def parse_new_field(module: ModuleDef, spec: Any, path: str) -> FieldDef:
    """A FieldDef (without id or API name yet) from one `fields[]` entry; raises FieldInputError."""
    if not isinstance(spec, dict):
        raise FieldInputError("INVALID_DATA", {"json_path": path})
    label, data_type = spec.get("field_label"), spec.get("data_type")
    for key, value in (("field_label", label), ("data_type", data_type)):
        if not value:
            raise FieldInputError("MANDATORY_NOT_FOUND", {"api_name": key, "json_path": f"{path}.{key}"})
    if not isinstance(label, str) or len(label) > 50:
        raise FieldInputError("INVALID_DATA", {"api_name": "field_label", "json_path": f"{path}.field_label"})
    if data_type not in CREATABLE:
        raise FieldInputError("INVALID_DATA", {"api_name": "data_type", "json_path": f"{path}.data_type"})
    if any(d.label.lower() == label.lower() for d in module.fields.values()):
        raise FieldInputError("DUPLICATE_DATA", {"api_name": "field_label", "json_path": f"{path}.field_label"})
    length = _length(data_type, spec.get("length"), path)
    picklist = _picklist(data_type, spec.get("pick_list_values"), path)
    places = 2 if data_type == "currency" else spec.get("decimal_place") if data_type == "double" else None
    return FieldDef("", label, data_type, length, custom=True, picklist=picklist, decimal_place=places)


def _length(data_type: str, raw: Any, path: str) -> int | None:
    bounds = LENGTHS.get(data_type)
    if bounds is None:
        return None
    low, high, default = bounds
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        details = {"api_name": "length", "json_path": f"{path}.length", "range": {"from": low, "to": high}}
        raise FieldInputError("INVALID_DATA", details)
    return raw


def _picklist(data_type: str, raw: Any, path: str) -> tuple[str, ...]:
    if data_type != "picklist":
        return ()
    if not isinstance(raw, list) or not raw:
        where = f"{path}.pick_list_values"
        raise FieldInputError("MANDATORY_NOT_FOUND", {"api_name": "pick_list_values", "json_path": where})
    values = [v.get("actual_value") or v.get("display_value") if isinstance(v, dict) else v for v in raw]
    if not all(isinstance(v, str) and v for v in values):
        raise FieldInputError("INVALID_DATA", {"api_name": "pick_list_values", "json_path": f"{path}.pick_list_values"})
    return tuple(str(v) for v in values)
