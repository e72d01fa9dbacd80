"""sObject resources: global describe, describe, create, get/patch/delete by id, updated/ and deleted/."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response

from sandbox.salesforce.api.base import Call, json_body
from sandbox.salesforce.describe import global_describe, object_summary, sobject_describe
from sandbox.salesforce.dml import soft_delete
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.ids import is_valid_id
from sandbox.salesforce.table import Table
from sandbox.salesforce.values import datetime_of, ms_of, now_ms, parse_datetime_text, rest_datetime
from sandbox.salesforce.wire import full_shape
from sandbox.salesforce.writes import locate, no_such_column, save

MAX_IDS = 600_000
UPDATED_WINDOW = timedelta(days=30)
DELETED_WINDOW = timedelta(days=15)


def record_index(call: Call, table: Table) -> int:
    """The row named in the path; a value that is not an id of this object reads, as in Salesforce,
    as an unknown external-id field (404)."""
    record_id = call.params["record_id"]
    if not is_valid_id(record_id) or record_id[:3] != table.sobject.key_prefix:
        raise SfError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {record_id}")
    return locate(table, record_id)


def table_of(call: Call) -> Table:
    """The table named in the path, or 404 NOT_FOUND."""
    table = call.org.table(call.params["sobject"])
    if table is None:
        raise not_found()
    return table


def describe_all(call: Call) -> Response:
    """GET sobjects."""
    return json_body(global_describe(call.org.sobjects(), call.version))


def describe(call: Call) -> Response:
    """GET sobjects/{sobject}/describe."""
    return json_body(sobject_describe(table_of(call).sobject, call.org.sobjects(), call.version))


def basic_info(call: Call) -> Response:
    """GET sobjects/{sobject}/."""
    return json_body({"objectDescribe": object_summary(table_of(call).sobject, call.version), "recentItems": []})


def create(call: Call) -> Response:
    """POST sobjects/{sobject}/ → 201 {id, success, errors}."""
    table = table_of(call)
    body = call.json()
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from START_ARRAY")
    if not table.sobject.createable:
        raise SfError(400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on cross-reference id")
    record_id = save(call.org, table, None, body, call.actor)
    return json_body({"id": record_id, "success": True, "errors": []}, 201)


def get(call: Call) -> Response:
    """GET sobjects/{sobject}/{id}[?fields=a,b]."""
    table = table_of(call)
    index = record_index(call, table)
    fields = None
    if call.query.get("fields"):
        fields = []
        for name in call.query["fields"].split(","):
            definition = table.sobject.field(name.strip())
            if definition is None:
                raise no_such_column(name.strip(), table.sobject.name).as_sf_error()
            fields.append(definition)
    row = table.rows[index]
    assert row is not None
    return json_body(full_shape(table, fields).render(row, call.version))


def update(call: Call) -> Response:
    """PATCH sobjects/{sobject}/{id} → 204."""
    table = table_of(call)
    body = call.json()
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from START_ARRAY")
    record_index(call, table)
    save(call.org, table, call.params["record_id"], body, call.actor)
    return Response(status_code=204)


def delete(call: Call) -> Response:
    """DELETE sobjects/{sobject}/{id} → 204 (to the recycle bin)."""
    table = table_of(call)
    record_index(call, table)
    soft_delete(call.org, table, call.params["record_id"], call.actor)
    return Response(status_code=204)


def _window(call: Call, retention: timedelta) -> tuple[int, int]:
    """start/end parameters, seconds dropped as Salesforce does; end capped at now."""
    bounds = []
    for name in ("start", "end"):
        text = call.query.get(name)
        if not text:
            raise SfError(400, "MISSING_ARGUMENT", f"Missing required parameter: {name}")
        ms = parse_datetime_text(text.replace(" ", "+"))
        if ms is None:
            raise SfError(400, "INVALID_REPLICATION_DATE", f"Bad value for {name}: {text}")
        bounds.append(ms - ms % 60_000)
    start, end = bounds
    now = now_ms()
    end = min(end, now - now % 60_000)
    if start > end:
        raise SfError(400, "INVALID_REPLICATION_DATE", "EndDate before StartDate")
    if start < ms_of(datetime_of(now) - retention) - 60_000:
        raise SfError(400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {retention.days} days ago")
    return start, end


def updated(call: Call) -> Response:
    """GET sobjects/{sobject}/updated/?start=&end= : ids whose SystemModstamp lies in [start, end)."""
    table = table_of(call)
    start, end = _window(call, UPDATED_WINDOW)
    deleted = table.sobject.by_name.get("isdeleted")
    rows = [row for row in (table.rows[i] for i in table.window(start, end, False, True)) if row is not None]
    ids = [str(row[0]) for row in rows if deleted is None or not row[deleted.slot]]
    if len(ids) > MAX_IDS:
        raise SfError(400, "EXCEEDED_ID_LIMIT", "Too many ids returned; narrow the date range")
    return json_body({"ids": ids, "latestDateCovered": rest_datetime(end)})


def deleted(call: Call) -> Response:
    """GET sobjects/{sobject}/deleted/?start=&end= : records deleted in [start, end)."""
    table = table_of(call)
    start, end = _window(call, DELETED_WINDOW)
    now = now_ms()
    earliest = ms_of(datetime_of(now) - DELETED_WINDOW)
    earliest -= earliest % 60_000
    seen: dict[str, int] = {}
    for record_id, when in table.deleted_log:
        if start <= when < end:
            seen[record_id] = when
    records = [{"id": record_id, "deletedDate": rest_datetime(when)} for record_id, when in seen.items()]
    return json_body(
        {
            "deletedRecords": records,
            "earliestDateAvailable": rest_datetime(earliest),
            "latestDateCovered": rest_datetime(end),
        }
    )
