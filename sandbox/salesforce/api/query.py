"""REST `query` / `queryAll` and `nextRecordsUrl` paging (data and Tooling).

Pages hold 2,000 records unless `Sforce-Query-Options: batchSize=N` asks for 200–2,000; totalSize
is the full count on every page; `nextRecordsUrl` is a relative /services/data/vXX.X/query/<locator>
path (also for queryAll, as Salesforce does). A stray `?q=` on a cursor URL is ignored.
"""

from __future__ import annotations

import re

from starlette.responses import Response

from sandbox.salesforce.api.base import Call, json_body
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.soql.execute import QueryResult, run_query
from sandbox.salesforce.state import Cursor

DEFAULT_BATCH, MIN_BATCH, MAX_BATCH = 2000, 200, 2000
_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def batch_size(call: Call) -> int:
    """The page size asked for by Sforce-Query-Options, clamped to Salesforce's 200–2,000."""
    match = _BATCH.search(call.request.headers.get("sforce-query-options", ""))
    if match is None:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(match.group(1))))


def _page(call: Call, cursor_id: str | None, cursor: Cursor, offset: int) -> dict[str, object]:
    result = cursor.result
    prefix = "tooling/" if cursor.tooling else ""
    if result.aggregate_records is not None:
        records: list[dict[str, object]] = result.aggregate_records
        done = True
    else:
        rows = result.table.rows
        chunk = result.indexes[offset : offset + cursor.batch_size]
        records = [result.shape.render(row, call.version) for row in (rows[i] for i in chunk) if row is not None]
        done = offset + cursor.batch_size >= len(result.indexes)
    if not done and cursor_id is None:
        cursor_id = call.state.new_cursor(result, cursor.batch_size, cursor.tooling)
    body: dict[str, object] = {"totalSize": result.total, "done": done}
    if cursor.tooling:
        body = {"size": result.total, **body, "queryLocator": None, "entityTypeName": result.table.sobject.name}
    if not done:
        body["nextRecordsUrl"] = (
            f"/services/data/v{call.version}/{prefix}query/{cursor_id}-{offset + cursor.batch_size}"
        )
        if cursor.tooling:
            body["queryLocator"] = f"{cursor_id}-{offset + cursor.batch_size}"
    body["records"] = records
    return body


def run(call: Call, include_deleted: bool, tooling: bool = False) -> Response:
    """GET query/?q=... (queryAll when include_deleted)."""
    text = call.query.get("q")
    if not text:
        raise SfError(400, "MALFORMED_QUERY", "A query string has to be specified")
    catalog = call.org.tooling if tooling else call.org.data
    result: QueryResult = run_query(catalog, text, include_deleted)
    return json_body(_page(call, None, Cursor(result, batch_size(call), tooling), 0))


def more(call: Call) -> Response:
    """GET query/<cursor>-<offset>: the next page of an open query."""
    locator = call.params["locator"]
    cursor_id, _, offset_text = locator.partition("-")
    cursor = call.state.cursors.get(cursor_id)
    if cursor is None or not offset_text.isdigit():
        raise SfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    call.state.cursors.move_to_end(cursor_id)
    return json_body(_page(call, cursor_id, cursor, int(offset_text)))
