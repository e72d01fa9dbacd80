"""sObject Collections: /composite/sobjects create, update, delete and retrieve."""

from __future__ import annotations

from starlette.responses import Response

from sandbox.salesforce.api.base import Call, json_body
from sandbox.salesforce.api.sobjects import table_of
from sandbox.salesforce.dml import MAX_COLLECTION, delete_collection, save_collection
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.wire import full_shape
from sandbox.salesforce.writes import no_such_column


def create(call: Call) -> Response:
    """POST composite/sobjects: HTTP 200 with one result per record, in request order."""
    return json_body(save_collection(call.org, call.json(), call.actor, creating=True))


def update(call: Call) -> Response:
    """PATCH composite/sobjects."""
    return json_body(save_collection(call.org, call.json(), call.actor, creating=False))


def delete(call: Call) -> Response:
    """DELETE composite/sobjects?ids=a,b&allOrNone=false."""
    ids = [i for i in call.query.get("ids", "").split(",") if i]
    if not ids:
        raise SfError(400, "MISSING_ARGUMENT", "Missing required parameter: ids")
    all_or_none = call.query.get("allOrNone", "false").lower() == "true"
    return json_body(delete_collection(call.org, ids, all_or_none, call.actor))


def retrieve(call: Call) -> Response:
    """GET composite/sobjects/{sobject}?ids=&fields=: records in id order, null where not found."""
    table = table_of(call)
    body = call.json() if call.request.method == "POST" else None
    ids = body.get("ids") if isinstance(body, dict) else call.query.get("ids", "").split(",")
    names = body.get("fields") if isinstance(body, dict) else call.query.get("fields", "").split(",")
    if not isinstance(ids, list) or not isinstance(names, list) or not ids or not any(names):
        raise SfError(400, "MISSING_ARGUMENT", "Missing required parameters: ids and fields")
    if len(ids) > 2000 or len(ids) > MAX_COLLECTION * 10:
        raise SfError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot retrieve more than 2000 records")
    fields = []
    for name in names:
        definition = table.sobject.field(str(name).strip())
        if definition is None:
            raise no_such_column(str(name), table.sobject.name).as_sf_error()
        fields.append(definition)
    shape = full_shape(table, fields)
    deleted = table.sobject.by_name.get("isdeleted")
    out: list[object] = []
    for record_id in ids:
        index = table.index_of(str(record_id))
        row = table.rows[index] if index is not None else None
        if row is None or (deleted is not None and row[deleted.slot]):
            out.append(None)
        else:
            out.append(shape.render(row, call.version))
    return json_body(out)
