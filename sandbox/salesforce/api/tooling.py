"""Tooling API resources: sobjects, describe, CustomField create/update/delete, Layout read/update."""

from __future__ import annotations

from starlette.responses import Response

from sandbox.salesforce.api.base import Call, json_body
from sandbox.salesforce.describe import global_describe, sobject_describe
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.table import Table
from sandbox.salesforce.tooling import create_custom_field, delete_custom_field, update_custom_field, update_layout
from sandbox.salesforce.wire import full_shape
from sandbox.salesforce.writes import locate


def _table(call: Call) -> Table:
    table = call.org.tooling.table(call.params["sobject"])
    if table is None:
        raise not_found()
    return table


def describe_all(call: Call) -> Response:
    """GET tooling/sobjects."""
    return json_body(global_describe([t.sobject for t in call.org.tooling_tables.values()], call.version))


def describe(call: Call) -> Response:
    """GET tooling/sobjects/{sobject}/describe."""
    table = _table(call)
    return json_body(sobject_describe(table.sobject, [table.sobject], call.version))


def create(call: Call) -> Response:
    """POST tooling/sobjects/CustomField {"FullName": "Account.X__c", "Metadata": {...}} → 201."""
    table = _table(call)
    if table.sobject.name != "CustomField":
        raise SfError(400, "NOT_SUPPORTED", f"Creating {table.sobject.name} records is not supported by this sandbox")
    body = call.json()
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of CustomField from START_ARRAY")
    record_id = create_custom_field(
        call.org, body.get("FullName"), body.get("Metadata"), call.session.user_id, call.state.auto_grant_new_fields
    )
    return json_body({"id": record_id, "success": True, "errors": [], "warnings": [], "infos": []}, 201)


def get(call: Call) -> Response:
    """GET tooling/sobjects/{sobject}/{id}: every field, Metadata included."""
    table = _table(call)
    row = table.rows[locate(table, call.params["record_id"])]
    assert row is not None
    return json_body(full_shape(table).render(row, call.version))


def update(call: Call) -> Response:
    """PATCH tooling/sobjects/Layout|CustomField/{id} {"Metadata": {...}} → 204."""
    table = _table(call)
    index = locate(table, call.params["record_id"])
    body = call.json()
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance from START_ARRAY")
    if table.sobject.name == "Layout":
        update_layout(call.org, index, body)
    else:
        update_custom_field(call.org, index, body)
    return Response(status_code=204)


def delete(call: Call) -> Response:
    """DELETE tooling/sobjects/CustomField/{id} → 204."""
    table = _table(call)
    if table.sobject.name != "CustomField":
        raise SfError(400, "NOT_SUPPORTED", f"Deleting {table.sobject.name} records is not supported by this sandbox")
    delete_custom_field(call.org, locate(table, call.params["record_id"]))
    return Response(status_code=204)
