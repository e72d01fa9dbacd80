"""Run a SOQL query: pick candidate rows through an index when the WHERE allows, filter, sort, cut.

Candidates come, in order of preference, from `Id =/IN`, a lookup `=/IN` (the lookup index), a
SystemModstamp range (the stamp log), or a scan. The full WHERE is still applied to every candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.soql.aggregate import run_aggregate
from sandbox.salesforce.soql.compile import Catalog, Getter, Predicate, convert, predicate, resolve
from sandbox.salesforce.soql.lexer import located
from sandbox.salesforce.soql.parser import Aggregate, Condition, FieldPath, Junction, Literal, Query, parse
from sandbox.salesforce.table import Row, Table
from sandbox.salesforce.values import TEXT_TYPES
from sandbox.salesforce.wire import Shape

MAX_OFFSET = 2000


@dataclass
class QueryResult:
    """Matched rows (or rendered aggregate records) and how to render them."""

    total: int
    table: Table
    shape: Shape
    indexes: list[int]
    aggregate_records: list[dict[str, object]] | None = None


def run_query(catalog: Catalog, text: str, include_deleted: bool = False) -> QueryResult:
    """Parse, bind and run a SOQL statement."""
    query = parse(text)
    root = catalog.table(query.sobject)
    if root is None:
        raise located(
            text,
            query.sobject_pos,
            f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom object, be "
            "sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
            "INVALID_TYPE",
        )
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SfError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    test = predicate(query, catalog, root, query.where) if query.where is not None else None
    rows = _matching(query, catalog, root, test, include_deleted)
    if query.count_only:
        total = len(rows) if query.limit is None else min(len(rows), query.limit)
        return QueryResult(total, root, Shape(root), [])
    if any(isinstance(item, Aggregate) for item in query.items) or query.group_by:
        records = run_aggregate(query, catalog, root, rows)
        return QueryResult(len(records), root, Shape(root), [], records)
    shape = _shape(query, catalog, root)
    rows = _ordered(query, catalog, root, rows)
    start = query.offset or 0
    end = None if query.limit is None else start + query.limit
    rows = rows[start:end]
    _check_single_row_fields(query, root, shape, len(rows))
    return QueryResult(len(rows), root, shape, rows)


def _shape(query: Query, catalog: Catalog, root: Table) -> Shape:
    shape = Shape(root)
    seen: set[tuple[str, ...]] = set()
    for item in query.items:
        if isinstance(item, Aggregate):
            raise located(query.text, item.pos, "unexpected token: COUNT")
        resolved = resolve(query, catalog, root, item)
        key = (*resolved.relationship_names, resolved.field.name)
        if key in seen:
            raise located(query.text, item.pos, f"duplicate field selected: {'.'.join(item.parts)}")
        seen.add(key)
        target = shape
        for ref, table in resolved.hops:
            target = target.parent(ref, table)
        target.add_field(resolved.field)
    return shape


def _check_single_row_fields(query: Query, root: Table, shape: Shape, size: int) -> None:
    # The Tooling API only returns Metadata / FullName for a query that names a single row.
    if root.sobject.tooling and size > 1 and any(f.name in ("Metadata", "FullName") for f in shape.fields):
        raise SfError(
            400,
            "MALFORMED_QUERY",
            "When retrieving results with Metadata or FullName fields, the query qualificatio\u200bns must specify "
            f"no more than one row for retrieval. Result size: {size}",
        )


def _top_conditions(query: Query) -> list[Condition]:
    where = query.where
    if isinstance(where, Condition):
        return [where]
    if isinstance(where, Junction) and where.op == "AND":
        return [item for item in where.items if isinstance(item, Condition)]
    return []


def _candidates(query: Query, root: Table) -> Iterable[int] | None:
    """Row indexes worth testing, from an index, or None when only a scan will do."""
    stamp_low: tuple[int, bool] | None = None
    stamp_high: tuple[int, bool] | None = None
    for cond in _top_conditions(query):
        if len(cond.path.parts) != 1:
            continue
        definition = root.sobject.field(cond.path.parts[0])
        if definition is None:
            continue
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        if cond.op in ("=", "IN") and definition.type in ("id", "reference"):
            ids = [convert(query, definition, v) for v in values]
            if definition.type == "id":
                found = (root.index_of(i) for i in ids if isinstance(i, str))
                return sorted({i for i in found if i is not None})
            if all(isinstance(i, str) for i in ids):
                return sorted({row for i in ids for row in root.referencing(definition.slot, str(i))})
        if definition.name == "SystemModstamp" and isinstance(cond.value, Literal) and cond.value.kind == "datetime":
            ms = convert(query, definition, cond.value)
            assert isinstance(ms, int)
            if cond.op in (">", ">=", "=") and (stamp_low is None or ms > stamp_low[0]):
                stamp_low = (ms, cond.op == ">")
            if cond.op in ("<", "<=", "=") and (stamp_high is None or ms < stamp_high[0]):
                stamp_high = (ms, cond.op == "<")
    if stamp_low is None and stamp_high is None:
        return None
    low, low_open = stamp_low if stamp_low else (None, False)
    high, high_open = stamp_high if stamp_high else (None, False)
    return sorted(root.window(low, high, low_open, high_open))


def _matching(query: Query, catalog: Catalog, root: Table, test: Predicate | None, include_deleted: bool) -> list[int]:
    candidates = _candidates(query, root)
    source = root.live_indexes() if candidates is None else candidates
    deleted = root.sobject.by_name.get("isdeleted")
    deleted_slot = deleted.slot if deleted is not None and not include_deleted else -1
    rows = root.rows
    out: list[int] = []
    for index in source:
        row = rows[index]
        if row is None or (deleted_slot >= 0 and row[deleted_slot]):
            continue
        if test is None or test(row):
            out.append(index)
    return out


def _sort_key(rows: list[Row | None], get: Getter, text: bool, nulls_high: bool) -> Callable[[int], tuple[bool, Any]]:
    """ORDER BY key of a row index: nulls before or after every value, strings without case."""

    def key(index: int) -> tuple[bool, Any]:
        row = rows[index]
        value = get(row) if row is not None else None
        if value is None:
            return (nulls_high, 0)
        return (not nulls_high, value.lower() if text and isinstance(value, str) else value)

    return key


def _ordered(query: Query, catalog: Catalog, root: Table, indexes: list[int]) -> list[int]:
    rows = root.rows
    for item in reversed(query.order_by):
        resolved = resolve(query, catalog, root, item.path)
        if not resolved.field.filterable:
            raise located(
                query.text,
                item.path.pos,
                f"field '{resolved.field.name}' can not be sorted in a query call",
                "INVALID_FIELD",
            )
        get = resolved.getter()
        text = resolved.field.type in TEXT_TYPES or resolved.field.type == "textarea"
        nulls_high = item.nulls_last != item.descending  # where None sorts in the key's own order

        indexes.sort(key=_sort_key(rows, get, text, nulls_high), reverse=item.descending)
    return indexes


__all__ = ["FieldPath", "QueryResult", "run_query"]
