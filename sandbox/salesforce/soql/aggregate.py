"""Aggregate SOQL (COUNT(field), COUNT_DISTINCT, SUM, AVG, MIN, MAX, GROUP BY): AggregateResult records."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.soql.compile import Catalog, resolve
from sandbox.salesforce.soql.lexer import located
from sandbox.salesforce.soql.parser import Aggregate, FieldPath, Query
from sandbox.salesforce.table import Table
from sandbox.salesforce.values import NUMERIC_TYPES
from sandbox.salesforce.wire import rest_value

MAX_GROUPS = 2000  # aggregate queries have no queryMore
Column = Callable[[tuple[object, ...], list[int]], object]  # (group key, member rows) -> value


def _exact_sum(values: list[object]) -> Decimal:
    # Salesforce adds currency as decimals; float addition would leak binary noise into the result.
    return sum((Decimal(repr(v)) for v in values), Decimal(0))


def _reducer(function: str) -> Callable[[list[object]], object]:
    def non_null(values: list[object]) -> list[object]:
        return [v for v in values if v is not None]

    def average(values: list[object]) -> object:
        present = non_null(values)
        return float(_exact_sum(present) / len(present)) if present else None

    reducers: dict[str, Callable[[list[object]], object]] = {
        "COUNT": lambda vs: len(non_null(vs)),
        "COUNT_DISTINCT": lambda vs: len(set(non_null(vs))),
        "SUM": lambda vs: float(_exact_sum(non_null(vs))) if non_null(vs) else None,
        "AVG": average,
        "MIN": lambda vs: min(non_null(vs)) if non_null(vs) else None,  # type: ignore[type-var]
        "MAX": lambda vs: max(non_null(vs)) if non_null(vs) else None,  # type: ignore[type-var]
    }
    return reducers[function]


def run_aggregate(query: Query, catalog: Catalog, root: Table, indexes: list[int]) -> list[dict[str, object]]:
    """One AggregateResult record per group (groups sorted by their values when ORDER BY is given)."""
    group_paths = [resolve(query, catalog, root, path) for path in query.group_by]
    group_keys = [tuple(p.parts) for p in query.group_by]
    columns: list[tuple[str, Column]] = []
    expr = 0
    for item in query.items:
        if isinstance(item, FieldPath):
            if tuple(item.parts) not in group_keys:
                raise located(query.text, item.pos, f"Field must be grouped or aggregated: {item.parts[-1]}")
            position = group_keys.index(tuple(item.parts))
            sf_type = group_paths[position].field.type
            columns.append((item.parts[-1], _group_column(position, sf_type)))
            continue
        name = item.alias or f"expr{expr}"
        expr += item.alias is None
        columns.append((name, _aggregate_column(query, catalog, root, item)))
    groups: dict[tuple[object, ...], list[int]] = {}
    getters = [p.getter() for p in group_paths]
    for index in indexes:
        row = root.rows[index]
        assert row is not None
        groups.setdefault(tuple(get(row) for get in getters), []).append(index)
    if not group_paths and not groups:
        groups[()] = []
    if len(groups) > MAX_GROUPS:
        raise SfError(
            400,
            "EXCEEDED_ID_LIMIT",
            "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch",
        )
    keys = list(groups)
    for order in reversed(query.order_by):
        if tuple(order.path.parts) not in group_keys:
            raise located(
                query.text, order.path.pos, f"Ordered field must be grouped or aggregated: {order.path.parts[-1]}"
            )
        p = group_keys.index(tuple(order.path.parts))
        keys.sort(key=_group_sort_key(p), reverse=order.descending)
    records = []
    for key in keys:
        record: dict[str, object] = {"attributes": {"type": "AggregateResult"}}
        for name, compute in columns:
            record[name] = compute(key, groups[key])
        records.append(record)
    return records[query.offset or 0 :][: query.limit]


def _group_column(position: int, sf_type: str) -> Column:
    def value(key: tuple[object, ...], members: list[int]) -> object:
        return rest_value(sf_type, key[position])

    return value


def _group_sort_key(position: int) -> Callable[[tuple[object, ...]], tuple[bool, Any]]:
    def key(group: tuple[object, ...]) -> tuple[bool, Any]:
        value = group[position]
        return (value is not None, value if value is not None else 0)

    return key


def _aggregate_column(query: Query, catalog: Catalog, root: Table, item: Aggregate) -> Column:
    if item.path is None:
        return lambda key, members: len(members)
    resolved = resolve(query, catalog, root, item.path)
    if item.function in ("SUM", "AVG") and resolved.field.type not in NUMERIC_TYPES:
        raise located(
            query.text,
            item.pos,
            f"field {resolved.field.name} does not support aggregate operator {item.function}",
            "INVALID_FIELD",
        )
    get, reduce, sf_type = resolved.getter(), _reducer(item.function), resolved.field.type
    result_type = "int" if item.function in ("COUNT", "COUNT_DISTINCT") else sf_type
    if item.function == "AVG":
        result_type = "double"

    def compute(key: tuple[object, ...], members: list[int]) -> object:
        return rest_value(result_type, reduce([get(root.rows[i]) for i in members]))  # type: ignore[arg-type]

    return compute
