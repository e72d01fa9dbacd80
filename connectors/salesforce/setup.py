"""`setup-fields` against a live org: create the write-back fields through the Tooling API, grant
field-level security, and show the fields on the object's page layouts. Every step is idempotent.

Creating a field does not make it readable: until a permission set grants it, the integration
user's describe and queries do not see it (salesforce.stackexchange q/208307). So crm-credit owns a
permission set `CRM_Credit` (read + edit, assigned to the integration user), and every profile gets
read access so reps see the values on the layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from connectors.base import FieldSetup, FieldSpec
from connectors.errors import CrmCreditError
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.fieldmeta import custom_field, developer_name
from connectors.salesforce.layouts import add_to_layouts
from connectors.salesforce.writes import BATCH_SIZE

PERMISSION_SET = "CRM_Credit"
PERMISSION_SET_LABEL = "CRM Credit"


def _records(client: SalesforceClient, what: str, text: str, tooling: bool = False) -> list[dict[str, Any]]:
    path = "tooling/query/" if tooling else "query/"
    answer = client.rest(what, path, params={"q": text})
    return list((answer or {}).get("records", []))


def existing_fields(client: SalesforceClient, sobject: str) -> set[str]:
    """DeveloperNames (lower case) of the object's custom fields, visible to the user or not."""
    text = soql.select(["Id", "DeveloperName"], "CustomField", f"TableEnumOrId = {soql.quote_string(sobject)}")
    return {str(r["DeveloperName"]).lower() for r in _records(client, "list custom fields", text, tooling=True)}


def create_missing(client: SalesforceClient, sobject: str, specs: Sequence[FieldSpec]) -> list[FieldSetup]:
    """Create each spec's field unless it exists."""
    present = existing_fields(client, sobject)
    out = []
    for spec in specs:
        soql.checked_name(spec.name, "field name")
        if developer_name(spec.name).lower() in present:
            out.append(FieldSetup(spec.decision_key, spec.name, "exists"))
            continue
        body = {"FullName": f"{sobject}.{spec.name}", "Metadata": custom_field(spec)}
        client.rest(f"create field {sobject}.{spec.name}", "tooling/sobjects/CustomField/", "POST", json=body)
        out.append(FieldSetup(spec.decision_key, spec.name, "created"))
    return out


def _permission_set(client: SalesforceClient) -> str:
    text = soql.select(["Id"], "PermissionSet", f"Name = {soql.quote_string(PERMISSION_SET)}")
    found = _records(client, "find permission set", text)
    if found:
        return str(found[0]["Id"])
    made = client.rest("create permission set", "sobjects/PermissionSet/", "POST",
                       json={"Name": PERMISSION_SET, "Label": PERMISSION_SET_LABEL})  # fmt: skip
    return str(made["id"])


def _assign(client: SalesforceClient, permission_set: str, user_id: str) -> None:
    where = f"AssigneeId = {soql.quote_id(user_id)} AND PermissionSetId = {soql.quote_id(permission_set)}"
    text = soql.select(["Id"], "PermissionSetAssignment", where)
    if not _records(client, "find permission set assignment", text):
        body = {"AssigneeId": user_id, "PermissionSetId": permission_set}
        client.rest("assign permission set", "sobjects/PermissionSetAssignment/", "POST", json=body)


def _grants(client: SalesforceClient, parents: Sequence[str], sobject: str, fields: Sequence[str], edit: bool) -> None:
    """FieldPermissions rows so each parent permission set reads (and, with `edit`, edits) each field."""
    columns = ["Id", "ParentId", "Field", "PermissionsRead", "PermissionsEdit"]
    text = soql.select(columns, "FieldPermissions", f"SobjectType = {soql.quote_string(sobject)}")
    have = {
        (soql.to18(str(row["ParentId"])), str(row["Field"]).lower()): row
        for row in _records(client, "list field permissions", text)
    }
    creates, updates = [], []
    for parent in parents:
        for name in fields:
            row = have.get((soql.to18(parent), f"{sobject}.{name}".lower()))
            if row is None:
                creates.append({"attributes": {"type": "FieldPermissions"}, "ParentId": parent,
                                "SobjectType": sobject, "Field": f"{sobject}.{name}", "PermissionsRead": True,
                                "PermissionsEdit": edit})  # fmt: skip
            elif not row.get("PermissionsRead") or (edit and not row.get("PermissionsEdit")):
                keep_edit = edit or bool(row.get("PermissionsEdit"))
                updates.append({"attributes": {"type": "FieldPermissions"}, "id": row["Id"],
                                "PermissionsRead": True, "PermissionsEdit": keep_edit})  # fmt: skip
    _collection(client, "POST", creates)
    _collection(client, "PATCH", updates)


def _collection(client: SalesforceClient, method: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), BATCH_SIZE):
        chunk = records[start : start + BATCH_SIZE]
        results = client.rest("grant field permissions", "composite/sobjects", method,
                              json={"allOrNone": False, "records": chunk})  # fmt: skip
        failed = [r for r in results or [] if not r.get("success")]
        if failed:
            errors = failed[0].get("errors") or [{}]
            raise CrmCreditError(f"Salesforce refused a field permission: {errors[0].get('statusCode')}: "
                                 f"{errors[0].get('message')}")  # fmt: skip


def grant_access(client: SalesforceClient, sobject: str, fields: Sequence[str], user_id: str) -> None:
    """Read + edit for the integration user (through CRM_Credit), read for every profile."""
    own = _permission_set(client)
    _assign(client, own, user_id)
    _grants(client, [own], sobject, fields, edit=True)
    text = soql.select(["Id"], "PermissionSet", "IsOwnedByProfile = true")
    profiles = _records(client, "list profile permission sets", text)
    _grants(client, [str(p["Id"]) for p in profiles], sobject, fields, edit=False)


def install(client: SalesforceClient, sobject: str, specs: Iterable[FieldSpec], user_id: str) -> list[FieldSetup]:
    """Create, grant and place the write-back fields; safe to run again."""
    soql.checked_name(sobject, "object name")
    wanted = list(specs)
    outcomes = create_missing(client, sobject, wanted)
    names = [s.name for s in wanted]
    if names:
        grant_access(client, sobject, names, user_id)
        add_to_layouts(client, sobject, names)
    return outcomes
