"""`data/query` bodies and paging (reference fxiaoke.md §2 "Query").

`limit` is at most 100 and `offset` stops at 10,000 (errorCode 10013); the documented way past it
is keyset paging: order by `_id`, offset 0, filter `_id GT <last>`. Incremental pulls page the same
way on (last_modified_time, _id), always at offset 0: offset paging would skip a row whenever a row
of an earlier page changes during the run (it leaves the frozen window and the rest shift left), and
could never pass 10,000 rows. A stamp shared by more than a page of rows is paged by `_id`.

Filter values come only from validated input: field names the mapping names and describe confirmed,
ids matching Fxiaoke's id form, and integers computed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from connectors.errors import CrmCreditError

STAMP, ID = "last_modified_time", "_id"
PAGE = 100
BY_STAMP = [{"fieldName": STAMP, "isAsc": True}, {"fieldName": ID, "isAsc": True}]
BY_ID = [{"fieldName": ID, "isAsc": True}]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")

Row = dict[str, Any]
Fetch = Callable[[dict[str, Any]], list[Row]]  # search_query_info -> the page's rows
Position = tuple[int, str]  # (last_modified_time in ms, _id)


def valid_name(name: str) -> bool:
    """True for an api name Fxiaoke could have (objects, fields, `__c`, `__r`)."""
    return bool(_NAME.match(name))


def valid_id(crm_id: str) -> bool:
    """True for a record id Fxiaoke could have (24 hex digits for data, digits for employees)."""
    return isinstance(crm_id, str) and bool(_RECORD_ID.match(crm_id))


def condition(field: str, operator: str, *values: str | int) -> dict[str, Any]:
    """One filter; `field_values` is a list even for one value, times as epoch-ms text as documented."""
    if not valid_name(field):
        raise ValueError(f"not a Fxiaoke field name: {field!r}")
    return {"field_name": field, "operator": operator, "field_values": [str(v) for v in values]}


def search(
    filters: Sequence[dict[str, Any]], orders: list[dict[str, Any]], projection: Sequence[str], limit: int = PAGE
) -> dict[str, Any]:
    """A `search_query_info` at offset 0."""
    return {
        "limit": limit,
        "offset": 0,
        "filters": list(filters),
        "orders": orders,
        "fieldProjection": list(projection),
    }


def rows_of(answer: dict[str, Any]) -> list[Row]:
    """The rows of a query answer: `data.dataList`, or the single map some reference pages show."""
    data = answer.get("data")
    if not isinstance(data, dict):
        return []
    rows = data.get("dataList")
    if isinstance(rows, list):
        return [row for row in rows if isinstance(row, dict)]
    return [data] if ID in data else []


def position(row: Row) -> Position:
    """A row's place in (stamp, id) order; a row without both is a malformed answer."""
    stamp, crm_id = row.get(STAMP), row.get(ID)
    if isinstance(stamp, str) and stamp.isdigit():
        stamp = int(stamp)
    if isinstance(stamp, bool) or not isinstance(stamp, int) or not isinstance(crm_id, str) or not crm_id:
        raise CrmCreditError(f"Fxiaoke returned a row without _id or last_modified_time ({crm_id!r})")
    return stamp, crm_id


def changed_rows(
    fetch: Fetch, start_ms: int | None, end_ms: int, after: Position | None, projection: Sequence[str]
) -> Iterator[Row]:
    """Rows with start <= stamp < end, strictly after `after`, in (stamp, id) order."""
    upper = condition(STAMP, "LT", end_ms)
    lower = condition(STAMP, "GTE", start_ms) if start_ms is not None else None
    cursor, tied = after, None
    if cursor is not None and (start_ms is None or cursor[0] >= start_ms):
        yield from _ties(fetch, cursor, upper, projection)
        lower, tied = condition(STAMP, "GT", cursor[0]), cursor[0]
    while True:
        rows = fetch(search([f for f in (lower, upper) if f], BY_STAMP, projection))
        yield from (r for r in rows if _inside(position(r), start_ms, end_ms, cursor))
        if len(rows) < PAGE:
            return
        last = position(rows[-1])
        if last[0] >= end_ms:
            return  # the rest lies past the frozen end
        if cursor is not None and last <= cursor:
            if tied == cursor[0]:
                raise CrmCreditError(f"Fxiaoke paging made no progress at last_modified_time {cursor[0]}")
            # A whole page of the cursor's stamp: page that stamp by _id, then go past it.
            yield from _ties(fetch, cursor, upper, projection)
            lower, tied = condition(STAMP, "GT", cursor[0]), cursor[0]
            continue
        cursor = last
        # Same stamp again (>=): rows sharing the last stamp may continue on the next page.
        lower = condition(STAMP, "GTE", cursor[0])


def _inside(at: Position, start_ms: int | None, end_ms: int, cursor: Position | None) -> bool:
    # The gateway filters already; this keeps the stream exact whatever a page brings.
    return (start_ms is None or at[0] >= start_ms) and at[0] < end_ms and (cursor is None or at > cursor)


def _ties(fetch: Fetch, cursor: Position, upper: dict[str, Any], projection: Sequence[str]) -> Iterator[Row]:
    """Rows stamped exactly like the cursor with a greater _id, paged by _id."""
    stamp, last_id = cursor
    while True:
        same = [condition(STAMP, "EQ", stamp), condition(ID, "GT", last_id), upper]
        rows = fetch(search(same, BY_ID, projection))
        yield from (r for r in rows if position(r)[0] == stamp and position(r)[1] > last_id)
        if len(rows) < PAGE:
            return
        last_id = _advanced(last_id, position(rows[-1])[1])


def rows_by_id(fetch: Fetch, filters: Sequence[dict[str, Any]], projection: Sequence[str]) -> Iterator[Row]:
    """Every row matching `filters`, keyset-paged by _id (the documented deep-paging way)."""
    last: str | None = None
    while True:
        keyset = [condition(ID, "GT", last)] if last is not None else []
        rows = fetch(search([*filters, *keyset], BY_ID, projection))
        yield from rows
        if len(rows) < PAGE:
            return
        newest = str(rows[-1].get(ID, ""))
        if not valid_id(newest):
            raise CrmCreditError(f"Fxiaoke returned a row without a usable _id ({newest!r})")
        last = newest if last is None else _advanced(last, newest)


def _advanced(last: str, newest: str) -> str:
    """The next keyset position; a gateway that ignored `_id GT` would otherwise page forever."""
    if newest <= last:
        raise CrmCreditError(f"Fxiaoke paging by _id made no progress at {last!r}")
    return newest
