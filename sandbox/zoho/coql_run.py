"""`POST /crm/v8/coql`: check a parsed query against the org's fields and run it.

Limits [zoho.md §2.4]: ≤ 50 columns, ≤ 25 criteria, `in` ≤ 50 values, ≤ 2 joins, ORDER BY ≤ 10
fields, default order id ascending, default LIMIT 200, LIMIT ≤ 2,000 and OFFSET + LIMIT ≤ 10,000
(the strictest published reading), all `LIMIT_EXCEEDED`. Operators are checked per field type
(`INVALID_QUERY`, "invalid operator found"); datetimes must be `'yyyy-MM-ddTHH:mm:ss±HH:mm'`.
The answer is `{data, info{count, more_records}}` with `id` on every row, lookups as
`{name, id}` (v7+), joined values under dotted keys; 204 when nothing matches.
"""

from __future__ import annotations

import bisect
import re
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.zoho.clock import is_date, parse_offset_datetime
from sandbox.zoho.context import Api, json_body
from sandbox.zoho.coql_parse import Condition, Junction, Query, parse
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.limits import coql_credits
from sandbox.zoho.org import Org
from sandbox.zoho.rules import OPERATORS
from sandbox.zoho.schema import FieldDef, ModuleDef
from sandbox.zoho.table import Row

MAX_COLUMNS, MAX_CRITERIA, MAX_IN, MAX_JOINS, MAX_ORDER = 50, 25, 50, 2, 10
DEFAULT_LIMIT, MAX_LIMIT, MAX_REACH = 200, 2000, 10_000
_TEXT_OPS = {"=", "!=", "like", "not like", "in", "not in", "is null", "is not null"}
_ORDERED_OPS = {"=", "!=", ">", ">=", "<", "<=", "between", "not between", "in", "not in", "is null", "is not null"}
_LOOKUP_OPS = {"=", "!=", "in", "not in", "is null", "is not null"}
_ID_FIELD = FieldDef("id", "Record Id", "bigint")


def _invalid_column(column: str, clause: str) -> ZohoError:
    return ZohoError(400, "INVALID_QUERY", {"column_name": column, "clause": clause}, "invalid column given")


def resolve(org: Org, module: ModuleDef, column: str, clause: str) -> list[tuple[ModuleDef, FieldDef]]:
    """The chain of (module, field) a possibly dotted column walks through."""
    chain: list[tuple[ModuleDef, FieldDef]] = []
    current = module
    for n, name in enumerate(column.split(".")):
        definition = _ID_FIELD if name == "id" else current.fields.get(name)
        if definition is None or (n < column.count(".") and definition.data_type != "lookup"):
            raise _invalid_column(column, clause)
        chain.append((current, definition))
        if definition.data_type == "lookup" and n < column.count("."):
            current = org.modules[definition.lookup or ""]
    return chain


def _operator_allowed(definition: FieldDef, operator: str) -> bool:
    kind = definition.data_type
    if kind in ("lookup", "ownerlookup"):
        return operator in _LOOKUP_OPS
    if kind in ("currency", "double", "percent", "integer", "bigint", "date", "datetime"):
        return operator in _ORDERED_OPS
    if kind == "boolean":
        return operator in ("=", "!=", "is null", "is not null")
    return operator in _TEXT_OPS


def _literal(definition: FieldDef, value: Any, column: str) -> Any:
    """A query literal as a comparable stored value, or INVALID_QUERY for the wrong type."""
    kind = definition.data_type
    try:
        if kind == "datetime":
            return parse_offset_datetime(str(value), strict=True)
        if kind == "date" and not is_date(value):
            raise ValueError(value)
        if isinstance(value, bool):
            raise ValueError(value)
        if kind in ("integer", "bigint", "lookup", "ownerlookup"):
            return int(str(value))
        if kind in ("currency", "double", "percent"):
            return float(value)
    except (ValueError, TypeError):
        details = {"column_name": column, "clause": "where"}
        raise ZohoError(400, "INVALID_QUERY", details, "invalid value given for the column") from None
    return value


class Plan:
    """A checked query: resolved columns and a row predicate."""

    def __init__(self, org: Org, query: Query) -> None:
        module = org.module(query.module)
        if module is None:
            raise ZohoError(400, "INVALID_MODULE", {}, "the given module is not supported in api")
        self.org, self.module, self.query = org, module, query
        self._check_limits(query)
        self.columns = {c: resolve(org, module, c, "select") for c in query.columns}
        self.order = [(resolve(org, module, c, "order by"), d) for c, d in query.order_by]
        joins = {c.rsplit(".", 1)[0] for c in [*query.columns, *_where_columns(query.where)] if "." in c}
        if len(joins) > MAX_JOINS:
            raise ZohoError(400, "LIMIT_EXCEEDED", {"joins": len(joins)}, "limit exceeded")
        self.where = self._compile(query.where)

    def _check_limits(self, query: Query) -> None:
        if len(query.columns) > MAX_COLUMNS or query.criteria > MAX_CRITERIA or len(query.order_by) > MAX_ORDER:
            raise ZohoError(400, "LIMIT_EXCEEDED", {}, "limit exceeded")
        if len(set(query.columns)) != len(query.columns):
            duplicate = next(c for c in query.columns if query.columns.count(c) > 1)
            raise ZohoError(400, "DUPLICATE_DATA", {"column_name": duplicate}, "duplicate data")
        limit = DEFAULT_LIMIT if query.limit is None else query.limit
        if limit == 0:
            raise ZohoError(400, "INVALID_DATA", {"api_name": "limit"}, "limit given seems to be invalid")
        if limit > MAX_LIMIT:
            raise ZohoError(400, "LIMIT_EXCEEDED", {"limit": MAX_LIMIT}, "limit exceeded")
        if query.offset + limit > MAX_REACH:
            raise ZohoError(400, "LIMIT_EXCEEDED", {"limit": MAX_REACH}, "Max records limit exceeded")
        self.limit = limit

    def _compile(self, node: Condition | Junction) -> Any:
        if isinstance(node, Junction):
            left, right = self._compile(node.left), self._compile(node.right)
            if node.operator == "and":
                return lambda row: left(row) and right(row)
            return lambda row: left(row) or right(row)
        chain = resolve(self.org, self.module, node.column, "where")
        definition = chain[-1][1]
        if not _operator_allowed(definition, node.operator):
            details = {"reason": "invalid operator found", "column_name": node.column, "operator": node.operator}
            raise ZohoError(400, "INVALID_QUERY", details, "Invalid query formed")
        if node.operator in ("in", "not in") and len(node.values) > MAX_IN:
            raise ZohoError(400, "LIMIT_EXCEEDED", {"limit": MAX_IN}, "limit exceeded")
        values = tuple(_literal(definition, v, node.column) for v in node.values)
        return _predicate(self.org, chain, node.operator, values)

    def rows(self) -> list[Row]:
        """Matching rows in the query's order."""
        table = self.org.tables[self.module.api_name]
        low, high = _modified_bounds(self.query.where)
        if low is None and high is None:
            candidates = list(table.rows.values())
        else:
            index = table.index("Modified_Time")
            start = bisect.bisect_left(index, (low, 0)) if low is not None else 0
            stop = bisect.bisect_right(index, (high, 10**20)) if high is not None else len(index)
            candidates = [table.rows[row_id] for _, row_id in index[start:stop]]
        matched = sorted((row for row in candidates if self.where(row)), key=lambda row: int(row["id"]))
        for chain, direction in reversed(self.order or [([(self.module, _ID_FIELD)], "asc")]):
            matched.sort(key=partial(_sort_key, self.org, chain), reverse=direction == "desc")
        return matched

    def render(self, row: Row) -> dict[str, Any]:
        """One result row: `id` plus each selected column."""
        out: dict[str, Any] = {}
        for column, chain in self.columns.items():
            out[column] = _render(self.org, chain, row)
        out["id"] = str(row["id"])
        return out


def _where_columns(node: Condition | Junction) -> list[str]:
    if isinstance(node, Junction):
        return _where_columns(node.left) + _where_columns(node.right)
    return [node.column]


def _modified_bounds(node: Condition | Junction) -> tuple[int | None, int | None]:
    """Index bounds implied by `Modified_Time` comparisons joined with `and` (never wider than the filter)."""
    if isinstance(node, Junction):
        if node.operator != "and":
            return None, None
        (l1, h1), (l2, h2) = _modified_bounds(node.left), _modified_bounds(node.right)
        low = max((v for v in (l1, l2) if v is not None), default=None)
        high = min((v for v in (h1, h2) if v is not None), default=None)
        return low, high
    if node.column != "Modified_Time" or not node.values:
        return None, None
    try:
        stamps = [parse_offset_datetime(str(v), strict=True) for v in node.values]
    except ValueError:
        return None, None
    bounds = {">": (stamps[0], None), ">=": (stamps[0], None), "<": (None, stamps[0]), "<=": (None, stamps[0])}
    bounds.update({"=": (stamps[0], stamps[0]), "between": (stamps[0], stamps[-1])})
    return bounds.get(node.operator, (None, None))


def _value_at(org: Org, chain: list[tuple[ModuleDef, FieldDef]], row: Row | None) -> Any:
    for n, (_module, definition) in enumerate(chain):
        if row is None:
            return None
        value = row.get(definition.api_name) if definition.api_name != "id" else row["id"]
        if n == len(chain) - 1:
            return value
        row = org.tables[chain[n + 1][0].api_name].get(value) if value is not None else None
    return None


def _predicate(org: Org, chain: list[tuple[ModuleDef, FieldDef]], operator: str, values: tuple[Any, ...]) -> Any:
    text = chain[-1][1].data_type in ("text", "textarea", "picklist", "email", "phone", "website", "autonumber")
    wanted = tuple(_fold(v, text) for v in values)
    pattern = (
        re.compile("^" + ".*".join(map(re.escape, str(values[0]).split("%"))) + "$", re.I)
        if "like" in operator
        else None
    )

    def test(row: Row) -> bool:
        value = _fold(_value_at(org, chain, row), text)
        if operator in ("is null", "is not null"):
            return (value in (None, "")) == (operator == "is null")
        if value is None:
            return operator.startswith("not") or operator == "!="
        return _compare(operator, value, wanted, pattern)

    return test


def _fold(value: Any, text: bool) -> Any:
    # COQL text comparisons ignore case.
    return value.lower() if text and isinstance(value, str) else value


def _compare(operator: str, value: Any, wanted: tuple[Any, ...], pattern: re.Pattern[str] | None) -> bool:
    if pattern is not None:
        return bool(pattern.match(str(value))) != (operator == "not like")
    if operator in ("in", "not in"):
        return bool(value in wanted) != (operator == "not in")
    if operator in ("between", "not between"):
        return bool(wanted[0] <= value <= wanted[1]) != (operator == "not between")
    return bool(OPERATORS[operator](value, wanted[0]))


def _sort_key(org: Org, chain: list[tuple[ModuleDef, FieldDef]], row: Row) -> tuple[int, Any]:
    value = _value_at(org, chain, row)
    return (0, "") if value is None else (1, value)


def _render(org: Org, chain: list[tuple[ModuleDef, FieldDef]], row: Row) -> Any:
    value = _value_at(org, chain, row)
    module, definition = chain[-1]
    if value is None or definition.api_name == "id":
        return str(value) if value is not None else None
    if definition.data_type == "ownerlookup":
        user = org.user(value)
        return {"name": user.last_name if user else None, "id": str(value)}
    if definition.data_type == "lookup":
        if len(chain) > 1:
            return {"id": str(value)}  # a lookup reached through a join shows only its id
        return {"name": org.display_name(definition.lookup or "", value), "id": str(value)}
    return org.render_value(module.api_name, definition.api_name, value)


async def run_coql(request: Request, api: Api) -> Response:
    """Execute a `select_query`."""
    body = await json_body(request)
    text = body.get("select_query") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise ZohoError(400, "MANDATORY_NOT_FOUND", {"api_name": "select_query"}, "required field not found")
    query = parse(text)
    with api.org.lock:
        plan = Plan(api.org, query)
        api.charge(coql_credits(plan.limit))
        matched = plan.rows()
        chunk = matched[query.offset : query.offset + plan.limit]
        data = [plan.render(row) for row in chunk]
    if not data:
        return Response(status_code=204)
    more = len(matched) > query.offset + plan.limit
    return JSONResponse({"data": data, "info": {"count": len(data), "more_records": more}})
