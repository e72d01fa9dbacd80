"""`search_query_info`: filters, orders, paging and projection of `data/query` (reference fxiaoke.md §2 "Query").

Body: `limit` (≤ 100), `offset` (a multiple of `limit`, at most 10,000 — beyond it errorCode 10013),
`filters[{field_name, field_values[], operator}]` ANDed, `orders[{fieldName, isAsc}]`,
`fieldProjection[]`. Snake and camel case are mixed exactly as documented. Deep paging is the
documented keyset: order by `_id`, offset 0, filter `_id GT <last _id>`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sandbox.fxiaoke.envelope import OFFSET_OUT_OF_RANGE, PARAMETER_ERROR, FxError
from sandbox.fxiaoke.schema import FieldDef, ObjectDef
from sandbox.fxiaoke.store import Record
from sandbox.fxiaoke.values import LISTS, NUMERIC, TEMPORAL, decimal_of, sort_key

MAX_LIMIT = 100
MAX_OFFSET = 10_000
# The preset-object page lists HASANYOF/NHASANYOF, the custom-object page CONTAINS; both are served.
NO_VALUE = {"IS", "ISN"}
TWO_VALUES = {"BETWEEN", "NBETWEEN"}
OPERATORS = (
    {
        "EQ",
        "N",
        "GT",
        "GTE",
        "LT",
        "LTE",
        "LIKE",
        "NLIKE",
        "IN",
        "NIN",
        "STARTWITH",
        "ENDWITH",
        "HASANYOF",
        "NHASANYOF",
        "CONTAINS",
    }
    | NO_VALUE
    | TWO_VALUES
)


@dataclass(frozen=True)
class Filter:
    """One parsed filter."""

    field: FieldDef
    operator: str
    values: tuple[Any, ...]
    keys: tuple[Any, ...] = ()  # the values in comparable form, worked out once per call


@dataclass(frozen=True)
class SearchQuery:
    """A validated `search_query_info`."""

    limit: int
    offset: int
    filters: tuple[Filter, ...]
    orders: tuple[tuple[FieldDef, bool], ...]
    projection: tuple[str, ...] | None


def _param(message: str) -> FxError:
    return FxError(PARAMETER_ERROR, message)


def _int(info: dict[str, Any], key: str) -> int:
    value = info.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _param(f"search_query_info.{key} 必须是整数")
    return value


def _field(definition: ObjectDef, name: object) -> FieldDef:
    field = definition.fields.get(name) if isinstance(name, str) else None
    if field is None:
        raise _param(f"字段[{name}]不存在")
    return field


def parse(
    info: object, definition: ObjectDef, to_stored: Callable[[FieldDef, Any], Any], projection: object = None
) -> SearchQuery:
    """Validate a `search_query_info` the way the gateway does; `to_stored` maps employee ids."""
    if not isinstance(info, dict):
        raise _param("缺少参数search_query_info")
    limit, offset = _int(info, "limit"), _int(info, "offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise _param("limit 必须在 1 到 100 之间")
    if offset < 0 or offset % limit:
        raise _param("offset 必须是 limit 的整数倍")
    if offset > MAX_OFFSET:
        raise FxError(OFFSET_OUT_OF_RANGE, description="offset 不能超过10000")
    filters = tuple(_filter(f, definition, to_stored) for f in _list(info, "filters"))
    orders = tuple(_order(o, definition) for o in _list(info, "orders"))
    wanted = projection if projection is not None else info.get("fieldProjection")
    if wanted is not None and (not isinstance(wanted, list) or not all(isinstance(f, str) for f in wanted)):
        raise _param("fieldProjection 必须是字段名列表")
    return SearchQuery(limit, offset, filters, orders, tuple(wanted) if wanted else None)


def _list(info: dict[str, Any], key: str) -> list[Any]:
    value = info.get(key, [])
    if not isinstance(value, list):
        raise _param(f"search_query_info.{key} 必须是列表")
    return value


def _filter(raw: object, definition: ObjectDef, to_stored: Callable[[FieldDef, Any], Any]) -> Filter:
    if not isinstance(raw, dict):
        raise _param("filters 的每一项必须是对象")
    field, operator, values = _field(definition, raw.get("field_name")), raw.get("operator"), raw.get("field_values")
    if operator not in OPERATORS:
        raise _param(f"不支持的操作符[{operator}]")
    if values is None and operator in NO_VALUE:
        values = []
    if not isinstance(values, list):
        raise _param("field_values 必须是列表")  # even a single value is written ["1"]
    needed = 0 if operator in NO_VALUE else 2 if operator in TWO_VALUES else 1
    if len(values) < needed:
        raise _param(f"操作符[{operator}]需要{needed}个值")
    converted = tuple(to_stored(field, v) for v in values)
    keys = tuple(sort_key(field, v) for v in converted)
    if field.type not in LISTS and any(k is None for k in keys):
        raise _param(f"字段[{field.api_name}]的筛选值格式不正确")
    return Filter(field, operator, converted, keys)


def _order(raw: object, definition: ObjectDef) -> tuple[FieldDef, bool]:
    if not isinstance(raw, dict) or not isinstance(raw.get("isAsc"), bool):
        raise _param("orders 的每一项必须有 fieldName 和布尔值 isAsc")
    return _field(definition, raw.get("fieldName")), raw["isAsc"]


def reader(field: FieldDef) -> Callable[[Record], Any]:
    """A fast comparable-value getter for one field (what `sort_key` gives, without its dispatch)."""
    name = field.api_name
    if field.type in TEMPORAL:
        return lambda r: r.get(name)  # stored as int epoch ms
    if field.type in NUMERIC:
        return lambda r: decimal_of(r.get(name))
    if field.type in LISTS:
        return lambda r: sort_key(field, r.get(name))
    return lambda r: r.get(name)


def matches(record: Record, flt: Filter, read: Callable[[Record], Any] | None = None) -> bool:
    """True when the record passes one filter."""
    if flt.field.type in LISTS:
        have = set(record.get(flt.field.api_name) or ())
        return _match_list(have, flt.operator, {str(v) for v in flt.values})
    op = flt.operator
    key = (read or reader(flt.field))(record)
    if op in NO_VALUE:
        empty = key is None or key == ""
        return empty if op == "IS" else not empty
    if op in ("N", "NIN", "NHASANYOF", "NLIKE", "NBETWEEN"):
        return key is None or not _positive(op[1:] if op != "N" else "EQ", key, flt.keys)
    return key is not None and _positive(op, key, flt.keys)


def _positive(op: str, key: Any, wanted: tuple[Any, ...]) -> bool:
    first = wanted[0]
    if op in _COMPARE:
        return bool(_COMPARE[op](key, first))
    if op in ("IN", "HASANYOF"):
        return key in wanted
    if op == "BETWEEN":
        return bool(first <= key <= wanted[1])
    text, needle = str(key), str(first)
    if op in ("LIKE", "CONTAINS"):
        return needle in text
    return text.startswith(needle) if op == "STARTWITH" else text.endswith(needle)


def _match_list(have: set[str], op: str, wanted: set[str]) -> bool:
    if op == "IS":
        return not have
    if op == "ISN":
        return bool(have)
    if op == "CONTAINS":
        return wanted <= have
    hit = bool(have & wanted)
    return not hit if op in ("N", "NIN", "NHASANYOF", "NLIKE") else hit


def predicate(flt: Filter) -> Callable[[Record], bool]:
    """The filter as one fast test; plain comparisons on stored ints and strings skip the general path."""
    name, op = flt.field.api_name, flt.operator
    if op in _COMPARE and flt.field.type not in LISTS and flt.field.type not in NUMERIC:
        compare, wanted = _COMPARE[op], flt.keys[0]
        return lambda r: (value := r.get(name)) is not None and compare(value, wanted)
    read = reader(flt.field)
    return lambda r: matches(r, flt, read)


def run(query: SearchQuery, records: list[Record]) -> tuple[list[Record], int]:
    """The requested page of matching records, and how many match in all."""
    rows = records
    for test in map(predicate, query.filters):
        rows = [r for r in rows if test(r)]
    rows = list(rows)
    by_id = itemgetter("_id")
    # Without orders the list is newest change first; `_id` breaks every tie so paging is stable.
    orders = list(query.orders) or [(_LAST_MODIFIED, False)]
    if orders[-1][0].api_name != "_id":
        rows.sort(key=by_id)
    for field, ascending in reversed(orders):
        if field.api_name == "_id":
            rows.sort(key=by_id, reverse=not ascending)
            continue
        read = reader(field)
        keyed = [(read(r), r) for r in rows]
        present = [pair for pair in keyed if pair[0] is not None]
        present.sort(key=lambda pair: pair[0], reverse=not ascending)  # stable: ties keep the `_id` order
        rows = [r for _, r in present] + [r for key, r in keyed if key is None]
    return rows[query.offset : query.offset + query.limit], len(rows)


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "EQ": operator.eq,
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
}
_LAST_MODIFIED = FieldDef("last_modified_time", "最后修改时间", "date_time", define_type="system", readonly=True)
