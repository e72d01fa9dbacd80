"""Write-back fields on Fxiaoke: the API cannot create them, so `setup-fields` tells the admin how.

Custom fields get generated api names (`field_xxxxx__c`, reference fxiaoke.md §3 "Custom naming"):
the admin creates each field in the console, then copies its api name into the source's
`[writeback]` table, and `check` verifies it. A field already there is recognised by the api name
the config gives, or by its label.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import FieldSetup, FieldSpec
from connectors.fxiaoke.schema import FxField, by_label

# FieldSpec type -> (Fxiaoke describe types that can hold it, the console's name for the one to create)
FIELD_TYPES: dict[str, tuple[frozenset[str], str]] = {
    "currency": (frozenset({"currency", "number"}), "金额 (currency)"),
    "number": (frozenset({"number", "currency"}), "数字 (number)"),
    "percent": (frozenset({"percentile", "number"}), "百分数 (percentile)"),
    "text": (frozenset({"text", "long_text"}), "单行文本 (text)"),
    "long_text": (frozenset({"long_text", "text"}), "多行文本 (long_text)"),
    "date": (frozenset({"date", "date_time"}), "日期 (date)"),
    "picklist": (frozenset({"select_one"}), "单选 (select_one)"),
}


def instruction(spec: FieldSpec, crm_object: str, source: str) -> str:
    """What the admin does to create one write-back field, and how to tell crm-credit its name."""
    _, console_type = FIELD_TYPES[spec.type]
    extra = ""
    if spec.length:
        extra += f", max length {spec.length}"
    if spec.picklist_values:
        extra += f", options {', '.join(spec.picklist_values)}"
    return (
        f"Fxiaoke cannot create fields through its API: in the admin console open the object {crm_object} "
        f"and add a field of type {console_type} labelled {spec.label!r}{extra}; then set "
        f'[sources.{source}.writeback] fields.{spec.decision_key} = "<its api name, field_xxxxx__c>" '
        f"and run `crm-credit check {source}`"
    )


def _fit(spec: FieldSpec, found: FxField) -> str:
    allowed, console_type = FIELD_TYPES[spec.type]
    if found.type not in allowed:
        return f"field {found.name} is of type {found.type}; crm-credit needs {console_type}"
    labels = {label for _, label in found.options}
    missing = [value for value in spec.picklist_values if value not in labels]
    if missing:
        return f"field {found.name} lacks the options {', '.join(missing)}: add them in the admin console"
    if found.readonly:
        return f"field {found.name} is read-only: crm-credit cannot write it"
    return ""


def field_setup(
    spec: FieldSpec, described: Mapping[str, FxField], configured: str | None, crm_object: str, source: str
) -> FieldSetup:
    """`exists` (with the field's real api name) when it is there, else `manual` with instructions."""
    found = None
    for name in (configured, spec.name):
        if name and name in described:
            found = described[name]
            break
    found = found or by_label(described, spec.label)
    if found is None:
        return FieldSetup(spec.decision_key, spec.name, "manual", instruction(spec, crm_object, source))
    return FieldSetup(spec.decision_key, found.name, "exists", _fit(spec, found))
