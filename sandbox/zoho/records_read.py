"""`GET /crm/v8/{module}`, `GET /crm/v8/{module}/{id}` and `GET /crm/v8/{module}/deleted`.

The list API [zoho.md §2.1; OAS `getRecords`]: `fields` is mandatory (≤ 50), `per_page` ≤ 200,
`sort_by` id | Created_Time | Modified_Time (default id), `sort_order` (default desc),
`If-Modified-Since` with an ISO offset datetime, 204 when nothing matches and 304 when nothing
changed since the header, and an `info` block with all eleven keys. The header filter is
inclusive here: a record modified exactly at the header's second is returned, so clients must
de-duplicate the boundary themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.zoho.clock import parse_offset_datetime
from sandbox.zoho.context import Api, int_param
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.ids import parse_id
from sandbox.zoho.paging import PageToken, any_modified_since, check_discrete, take, walk
from sandbox.zoho.schema import ModuleDef
from sandbox.zoho.table import SORT_KEYS

MAX_FIELDS = 50
MAX_IDS = 100
RECYCLE_DAYS, PERMANENT_DAYS = 60, 120


def _fields(request: Request, module: ModuleDef) -> list[str]:
    raw = request.query_params.get("fields")
    if not raw:
        raise ZohoError(400, "REQUIRED_PARAM_MISSING", {"param_name": "fields"})
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if len(names) > MAX_FIELDS:
        raise ZohoError(400, "LIMIT_EXCEEDED", {"limit": MAX_FIELDS, "param_name": "fields"})
    unknown = [name for name in names if name != "id" and name not in module.fields]
    if unknown:
        raise ZohoError(400, "INVALID_DATA", {"param_name": "fields", "api_name": unknown[0]})
    return names


def _ids(request: Request) -> frozenset[int] | None:
    raw = request.query_params.get("ids")
    if raw is None:
        return None
    parsed = [parse_id(part.strip()) for part in raw.split(",") if part.strip()]
    if not parsed or None in parsed:
        raise ZohoError(400, "INVALID_DATA", {"param_name": "ids"})
    if len(parsed) > MAX_IDS:
        raise ZohoError(400, "LIMIT_EXCEEDED", {"limit": MAX_IDS, "param_name": "ids"})
    return frozenset(i for i in parsed if i is not None)


def _sort(request: Request) -> tuple[str, str]:
    sort_by = request.query_params.get("sort_by", "id")
    if sort_by not in SORT_KEYS:
        raise ZohoError(400, "INVALID_DATA", {"param_name": "sort_by", "supported_values": list(SORT_KEYS)})
    order = request.query_params.get("sort_order", "desc")
    if order not in ("asc", "desc"):
        raise ZohoError(400, "INVALID_DATA", {"param_name": "sort_order", "supported_values": ["asc", "desc"]})
    return sort_by, order


def since_header(request: Request) -> int | None:
    """The `If-Modified-Since` header as epoch seconds, in Zoho's documented form `2019-07-25T15:26:49+05:30`."""
    raw = request.headers.get("if-modified-since")
    if raw is None:
        return None
    try:
        return parse_offset_datetime(raw.strip(), strict=True)
    except ValueError:
        raise ZohoError(400, "INVALID_DATA", {"param_name": "If-Modified-Since"}) from None


@dataclass(frozen=True)
class ListQuery:
    """The checked parameters of one list call."""

    module: ModuleDef
    fields: list[str]
    sort_by: str
    order: str
    per_page: int
    page: int
    since: int | None
    only: frozenset[int] | None
    token_value: str | None

    @property
    def binding(self) -> tuple[object, ...]:
        """What a page token is bound to: every parameter but the token itself."""
        return (
            self.module.api_name,
            tuple(self.fields),
            self.sort_by,
            self.order,
            self.per_page,
            self.since,
            self.only,
        )


def _list_query(request: Request, api: Api) -> ListQuery:
    module = api.module(request.path_params["module"])
    fields = _fields(request, module)
    sort_by, order = _sort(request)
    per_page = int_param(request, "per_page", 200, 1, 200)
    token_value = request.query_params.get("page_token")
    if token_value is not None and "page" in request.query_params:
        ambiguous = [{"param_name": "page"}, {"param_name": "page_token"}]
        raise ZohoError(400, "AMBIGUITY_DURING_PROCESSING", {"ambiguity_due_to": ambiguous})
    page = int_param(request, "page", 1, 1, None)
    return ListQuery(module, fields, sort_by, order, per_page, page, since_header(request), _ids(request), token_value)


async def list_records(request: Request, api: Api) -> Response:
    """One page of a module's records."""
    query = _list_query(request, api)
    now = api.org.clock.epoch()
    token = api.state.pages.resolve(query.token_value, query.binding, now) if query.token_value is not None else None
    if token is None:
        check_discrete(query.page, query.per_page)
    api.charge(1)
    skip = 0 if token else (query.page - 1) * query.per_page
    with api.org.lock:
        table = api.org.tables[query.module.api_name]
        if query.since is not None and not any_modified_since(table, query.since):
            return Response(status_code=304)
        pairs = walk(table, query.sort_by, query.order == "desc", query.since, token.cursor if token else None)
        if query.only is not None:
            pairs = (pair for pair in pairs if pair[1] in query.only)
        chosen, more = take(pairs, skip, query.per_page)
        data = [api.org.render(query.module.api_name, table.rows[row_id], query.fields) for _, row_id in chosen]
    if not data:
        return Response(status_code=204)
    delivered = (token.delivered if token else skip) + len(data)
    following = api.state.pages.issue(query.binding, chosen[-1], delivered, query.token_value, now) if more else None
    return JSONResponse({"data": data, "info": _info(api, query, len(data), delivered, following, token)})


def _info(
    api: Api, query: ListQuery, count: int, delivered: int, following: PageToken | None, token: PageToken | None
) -> dict[str, Any]:
    return {
        "call": False,
        "per_page": query.per_page,
        "next_page_token": following.value if following else None,
        "count": count,
        "sort_by": query.sort_by,
        "page": (delivered - count) // query.per_page + 1,
        "previous_page_token": token.previous if token else None,
        "page_token_expiry": api.org.time.format(following.expires_at) if following else None,
        "sort_order": query.order,
        "email": False,
        "more_records": following is not None,
    }


async def get_record(request: Request, api: Api) -> Response:
    """One record with every field (and, for invoices, its `Invoiced_Items` subform)."""
    module = api.module(request.path_params["module"])
    row_id = parse_id(request.path_params["record_id"])
    if row_id is None:
        raise ZohoError(400, "INVALID_DATA", {"resource_path_index": 1}, "the id given seems to be invalid")
    api.charge(1)
    with api.org.lock:
        row = api.org.tables[module.api_name].get(row_id)
        if row is None:
            return Response(status_code=204)
        record = api.org.render(module.api_name, row)
    if module.api_name == "Invoices":
        record["Invoiced_Items"] = [_line_item(row_id, record)]
    return JSONResponse({"data": [record]})


def _line_item(row_id: int, record: dict[str, Any]) -> dict[str, Any]:
    # Subforms appear only on a single-record fetch [zoho.md §2.1]; one line carries the total.
    total = record.get("Sub_Total")
    return {"id": str(row_id + 7), "Product_Name": {"name": "Goods", "id": "0"}, "Quantity": 1.0, "List_Price": total}


async def list_deleted(request: Request, api: Api) -> Response:
    """Deleted records (recycle bin 60 days, permanent 120 days), newest first."""
    module = api.module(request.path_params["module"])
    kind = request.query_params.get("type", "all")
    if kind not in ("all", "recycle", "permanent"):
        raise ZohoError(
            400, "PATTERN_NOT_MATCHED", {"param_name": "type"}, "Please check whether the input values are correct"
        )
    per_page = int_param(request, "per_page", 200, 1, 200)
    page = int_param(request, "page", 1, 1, None)
    since = since_header(request)
    api.charge(2)
    now = api.org.clock.epoch()
    with api.org.lock:
        entries = [
            e
            for e in api.org.tables[module.api_name].deleted
            if (kind == "all" or e.type == kind)
            and e.deleted_time > now - 86400 * (RECYCLE_DAYS if e.type == "recycle" else PERMANENT_DAYS)
        ]
    if since is not None:
        entries = [e for e in entries if e.deleted_time >= since]
        if not entries:
            return Response(status_code=304)
    entries.sort(key=lambda e: (e.deleted_time, e.id), reverse=True)
    chunk = entries[(page - 1) * per_page : page * per_page]
    if not chunk:
        return Response(status_code=204)
    info = {"per_page": per_page, "count": len(chunk), "page": page, "more_records": len(entries) > page * per_page}
    return JSONResponse({"data": [_deleted_json(api, e) for e in chunk], "info": info})


def _deleted_json(api: Api, entry: Any) -> dict[str, Any]:
    permanent = entry.type == "permanent"

    def who(user_id: int | None) -> dict[str, str] | None:
        user = api.org.user(user_id) if user_id is not None and not permanent else None
        return {"name": user.full_name, "id": str(user.id)} if user else None

    return {
        "deleted_by": who(entry.deleted_by),
        "id": str(entry.id),
        "display_name": None if permanent else entry.display_name,
        "type": entry.type,
        "created_by": who(entry.created_by),
        "deleted_time": api.org.time.format(entry.deleted_time),
    }
