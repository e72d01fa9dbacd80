"""Tooling-side org changes: create/update/delete custom fields, rewrite page layouts.

A field created here exists at once in Tooling queries, but (as in Salesforce) the API user cannot
read or write it until a FieldPermissions row grants it on one of the user's permission sets —
unless the sandbox runs with `auto_grant_new_fields`.
"""

from __future__ import annotations

import re

from sandbox.salesforce.errors import RecordError, SfError
from sandbox.salesforce.metadata import field_from_metadata, layout_fields, metadata_of
from sandbox.salesforce.org import Org
from sandbox.salesforce.seed import RowMaker
from sandbox.salesforce.table import Table

_DEVELOPER_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")


def _split_full_name(org: Org, full_name: object) -> tuple[Table, str]:
    if not isinstance(full_name, str) or "." not in full_name:
        raise SfError(
            400, "REQUIRED_FIELD_MISSING", "Required field is missing: FullName (Object.Field__c)", ["FullName"]
        )
    object_name, _, field_name = full_name.partition(".")
    table = org.table(object_name)
    if table is None:
        raise SfError(400, "INVALID_TYPE", f"Cannot find entity: {object_name}", ["FullName"])
    developer_name = field_name.removesuffix("__c")
    if not field_name.endswith("__c") or not _DEVELOPER_NAME.match(developer_name) or len(developer_name) > 40:
        raise SfError(
            400,
            "FIELD_INTEGRITY_EXCEPTION",
            f"Invalid custom field name: {field_name}. Names end in __c, begin with a letter, and use only "
            "letters, digits and single underscores (at most 40 characters).",
            ["FullName"],
        )
    return table, field_name


def create_custom_field(org: Org, full_name: object, metadata: object, user_id: str, auto_grant: bool) -> str:
    """Add a custom field to an object; returns the CustomField id."""
    table, field_name = _split_full_name(org, full_name)
    if table.sobject.field(field_name, api_view=False) is not None:
        raise SfError(
            400,
            "DUPLICATE_DEVELOPER_NAME",
            f"There's already a field named {field_name.removesuffix('__c')} on {table.sobject.name}.",
        )
    if not isinstance(metadata, dict):
        raise SfError(400, "REQUIRED_FIELD_MISSING", "Required field is missing: Metadata", ["Metadata"])
    definition = field_from_metadata(field_name, metadata)
    definition.visible = definition.editable = auto_grant
    table.sobject.add(definition)
    if not auto_grant:
        org.managed_fields.add((table.sobject.name, definition.name))
        org.refresh_field_security()
    maker = RowMaker(org.tooling_tables["customfield"], user_id)
    return maker.add(
        {
            "DeveloperName": field_name.removesuffix("__c"),
            "TableEnumOrId": table.sobject.name,
            "FullName": f"{table.sobject.name}.{definition.name}",
            "Metadata": metadata_of(definition),
            "Description": definition.description or None,
        },
        org.stamp(),
    )


def update_layout(org: Org, layout_index: int, body: dict[str, object]) -> None:
    """Replace a layout's Metadata (every field on it must exist on the object)."""
    layouts = org.tooling_tables["layout"]
    row = list(layouts.rows[layout_index] or ())
    slots = {f.name: f.slot for f in layouts.sobject.fields}
    sobject = org.table(str(row[slots["TableEnumOrId"]]))
    metadata = body.get("Metadata")
    if metadata is None or sobject is None:
        raise SfError(400, "REQUIRED_FIELD_MISSING", "Required field is missing: Metadata", ["Metadata"])
    for name in layout_fields(metadata):
        if sobject.sobject.field(name, api_view=False) is None:
            raise SfError(400, "FIELD_INTEGRITY_EXCEPTION", f"Field {name} does not exist. Check spelling.")
    row[slots["Metadata"]] = metadata
    stamp = org.stamp()
    row[slots["LastModifiedDate"]] = row[slots["SystemModstamp"]] = stamp
    layouts.replace(layout_index, tuple(row))


def update_custom_field(org: Org, index: int, body: dict[str, object]) -> None:
    """Change a custom field's label, description, length, precision/scale or picklist values."""
    fields = org.tooling_tables["customfield"]
    row = list(fields.rows[index] or ())
    slots = {f.name: f.slot for f in fields.sobject.fields}
    table, field_name = _split_full_name(org, row[slots["FullName"]])
    definition = table.sobject.field(field_name, api_view=False)
    metadata = body.get("Metadata")
    if definition is None or not isinstance(metadata, dict):
        raise SfError(400, "REQUIRED_FIELD_MISSING", "Required field is missing: Metadata", ["Metadata"])
    changed = field_from_metadata(field_name, metadata)
    if changed.type != definition.type:
        raise SfError(400, "FIELD_INTEGRITY_EXCEPTION", "Changing a field's type is not supported by this sandbox")
    for attribute in (
        "label",
        "description",
        "length",
        "precision",
        "scale",
        "picklist",
        "restricted",
        "default_picklist",
    ):
        setattr(definition, attribute, getattr(changed, attribute))
    row[slots["Metadata"]] = metadata_of(definition)
    row[slots["LastModifiedDate"]] = row[slots["SystemModstamp"]] = org.stamp()
    fields.replace(index, tuple(row))


def delete_custom_field(org: Org, index: int) -> None:
    """Remove a custom field: gone from describe, queries and writes (its permissions go with it)."""
    fields = org.tooling_tables["customfield"]
    row = fields.rows[index]
    assert row is not None
    table, field_name = _split_full_name(org, row[fields.sobject.by_name["fullname"].slot])
    definition = table.sobject.field(field_name, api_view=False)
    if definition is None:
        raise RecordError("NOT_FOUND", "The requested resource does not exist", status=404)
    del table.sobject.by_name[definition.name.lower()]
    definition.visible = definition.editable = False
    org.managed_fields.discard((table.sobject.name, definition.name))
    permissions = org.tables["fieldpermissions"]
    slot = permissions.sobject.by_name["field"].slot
    for position, permission in enumerate(permissions.rows):
        if permission is not None and str(permission[slot]).lower() == f"{table.sobject.name}.{field_name}".lower():
            permissions.drop(position)
    fields.drop(index)
