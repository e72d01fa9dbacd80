"""Integrity rules Salesforce enforces on setup objects (field permissions, permission-set assignments)."""

from __future__ import annotations

from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.org import Org
from sandbox.salesforce.table import Table

DUPLICATE = RecordError(
    "DUPLICATE_VALUE", "duplicate value found: <unknown> duplicates value on record with id: <unknown>"
)


def check_setup_write(org: Org, table: Table, row: list[object], old: tuple[object, ...] | None) -> None:
    """Refuse field permissions Salesforce would refuse, and duplicates of unique pairs."""
    name = table.sobject.name
    if name == "FieldPermissions":
        _field_permission(org, table, row)
        _unique(table, row, ("parentid", "field"))
    elif name == "PermissionSetAssignment":
        _unique(table, row, ("assigneeid", "permissionsetid"))


def _field_permission(org: Org, table: Table, row: list[object]) -> None:
    slot = {n: table.sobject.by_name[n].slot for n in ("sobjecttype", "field", "permissionsread", "permissionsedit")}
    full_name = str(row[slot["field"]] or "")
    object_name, _, field_name = full_name.partition(".")
    target = org.table(object_name)
    definition = target.sobject.field(field_name, api_view=False) if target is not None else None
    if target is None or definition is None or str(row[slot["sobjecttype"]]).lower() != object_name.lower():
        raise RecordError("INVALID_FIELD", f"Invalid field: {full_name}", ["Field"])
    if not definition.nillable or not (definition.createable or definition.updateable):
        raise RecordError("FIELD_INTEGRITY_EXCEPTION", f"Field {full_name} is not permissionable", ["Field"])
    if row[slot["permissionsedit"]] and not row[slot["permissionsread"]]:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION", "Permission Edit depends on permission(s): Read", ["PermissionsRead"]
        )
    row[slot["field"]] = f"{target.sobject.name}.{definition.name}"
    row[slot["sobjecttype"]] = target.sobject.name


def _unique(table: Table, row: list[object], names: tuple[str, ...]) -> None:
    slots = [table.sobject.by_name[n].slot for n in names]
    key = tuple(str(row[s]).lower() for s in slots)
    for other in table.rows:
        if other is not None and other[0] != row[0] and tuple(str(other[s]).lower() for s in slots) == key:
            raise DUPLICATE
