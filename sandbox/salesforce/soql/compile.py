"""Bind a parsed query to the schema: resolve field paths, type-check literals, build predicates.

Salesforce is strict here and so is the sandbox: a dateTime literal against a date field, a quoted
date, a quoted number or a malformed id are refused with Salesforce's own error codes and words.
String comparisons are case-insensitive; `!=` and NOT IN match nulls, as in SOQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from sandbox.salesforce.ids import is_valid_id, to18
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.soql.dateliterals import date_range
from sandbox.salesforce.soql.lexer import located
from sandbox.salesforce.soql.parser import Condition, Expr, FieldPath, Junction, Literal, Query
from sandbox.salesforce.table import Row, Table
from sandbox.salesforce.values import NUMERIC_TYPES, TEXT_TYPES, ms_of, parse_date_text, parse_datetime_text

Getter = Callable[[Row], object]
Predicate = Callable[[Row], bool]
_TYPE_WORDS = {"int": "integer", "datetime": "dateTime", "currency": "currency", "percent": "double"}


class Catalog(Protocol):
    """Where queries find tables by object name."""

    def table(self, name: str) -> Table | None: ...


@dataclass(frozen=True)
class Resolved:
    """A field path bound to the schema: the lookups to follow, then the field."""

    hops: tuple[tuple[FieldDef, Table], ...]  # (reference field, table it points into)
    field: FieldDef
    table: Table

    @property
    def relationship_names(self) -> tuple[str, ...]:
        """Canonical relationship names along the path (`Account__r`, `Owner`)."""
        return tuple(ref.relationship_name or "" for ref, _ in self.hops)

    def getter(self) -> Getter:
        """A function reading this path's value from a root row."""
        slot = self.field.slot
        if not self.hops:
            return lambda row: row[slot] if slot < len(row) else None
        hops = [(ref.slot, table) for ref, table in self.hops]

        def follow(row: Row) -> object:
            current: Row | None = row
            for ref_slot, table in hops:
                assert current is not None
                target = current[ref_slot] if ref_slot < len(current) else None
                index = table.index_of(target) if isinstance(target, str) else None
                if index is None:
                    return None
                current = table.rows[index]
            assert current is not None
            return current[slot] if slot < len(current) else None

        return follow


def no_such_column(query: Query, path: FieldPath, name: str, sobject: str) -> Exception:
    """INVALID_FIELD as Salesforce words an unknown field."""
    return located(
        query.text,
        path.pos,
        f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a custom field, be sure to "
        "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
        "appropriate names.",
        "INVALID_FIELD",
    )


def resolve(query: Query, catalog: Catalog, root: Table, path: FieldPath) -> Resolved:
    """Bind `path` starting at `root`, or raise INVALID_FIELD."""
    parts = list(path.parts)
    if len(parts) > 1 and parts[0].lower() == root.sobject.name.lower() and not root.sobject.relationship(parts[0]):
        parts = parts[1:]  # `SELECT Account.Name FROM Account` qualifies by the object's own name
    table = root
    hops: list[tuple[FieldDef, Table]] = []
    for part in parts[:-1]:
        ref = table.sobject.relationship(part)
        target = catalog.table(ref.reference_to[0]) if ref is not None and len(ref.reference_to) == 1 else None
        if ref is None or target is None:
            raise located(
                query.text,
                path.pos,
                f"Didn't understand relationship '{part}' in field path. If you are attempting to use a custom "
                "relationship, be sure to append the '__r' after the custom relationship name. Please reference "
                "your WSDL or the describe call for the appropriate names.",
                "INVALID_FIELD",
            )
        hops.append((ref, target))
        table = target
    found = table.sobject.field(parts[-1])
    if found is None:
        raise no_such_column(query, path, parts[-1], table.sobject.name)
    return Resolved(tuple(hops), found, table)


def _criterion_error(query: Query, literal: Literal, definition: FieldDef, quoted: bool) -> Exception:
    word = _TYPE_WORDS.get(definition.type, definition.type)
    tail = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return located(
        query.text,
        literal.pos,
        f"value of filter criterion for field '{definition.name}' must be of type {word} and {tail}",
        "INVALID_FIELD",
    )


def convert(query: Query, definition: FieldDef, literal: Literal) -> object:
    """The internal comparison value of a literal for this field, refusing mismatched types."""
    kind, sf_type = literal.kind, definition.type
    if kind == "null":
        return None
    if sf_type in ("id", "reference"):
        if kind != "string":
            raise _criterion_error(query, literal, definition, quoted=True)
        text = str(literal.value)
        if not is_valid_id(text):
            raise located(query.text, literal.pos, f"invalid ID field: {text}", "INVALID_QUERY_FILTER_OPERATOR")
        return to18(text)
    if sf_type in TEXT_TYPES or sf_type == "textarea":
        if kind != "string":
            raise _criterion_error(query, literal, definition, quoted=True)
        return str(literal.value).lower()
    if sf_type in NUMERIC_TYPES:
        if kind != "number":
            raise _criterion_error(query, literal, definition, quoted=False)
        number = Decimal(literal.text)
        return int(number) if sf_type == "int" and number == int(number) else float(number)
    if sf_type == "boolean":
        if kind != "boolean":
            raise _criterion_error(query, literal, definition, quoted=False)
        return literal.value
    if sf_type in ("date", "datetime"):
        return _convert_temporal(query, definition, literal)
    raise located(
        query.text, literal.pos, f"field '{definition.name}' can not be filtered in a query call", "INVALID_FIELD"
    )


def _convert_temporal(query: Query, definition: FieldDef, literal: Literal) -> object:
    is_date = definition.type == "date"
    if literal.kind == "dateliteral":
        name, n = cast(tuple[str, int | None], literal.value)
        span = date_range(name, n)
        if span is None:
            raise located(query.text, literal.pos, f"unexpected token: {literal.text}")
        if is_date:
            return span
        return tuple(ms_of(datetime(d.year, d.month, d.day, tzinfo=UTC)) for d in span)
    if is_date and literal.kind == "date":
        parsed = parse_date_text(literal.text)
        if parsed is None:
            raise located(query.text, literal.pos, f"Invalid date: {literal.text}")
        return parsed
    if not is_date and literal.kind == "datetime":
        ms = parse_datetime_text(literal.text, soql=True)
        if ms is None:
            raise located(query.text, literal.pos, f"Invalid datetime: {literal.text}")
        return ms
    raise _criterion_error(query, literal, definition, quoted=False)


def _like_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _normalise(definition: FieldDef) -> Callable[[object], object]:
    if definition.type in TEXT_TYPES or definition.type == "textarea":
        return lambda v: v.lower() if isinstance(v, str) else v
    return lambda v: v


def condition_predicate(query: Query, catalog: Catalog, root: Table, cond: Condition) -> Predicate:
    """The row test of one `field op value` condition."""
    resolved = resolve(query, catalog, root, cond.path)
    definition = resolved.field
    if not definition.filterable:
        raise located(
            query.text, cond.path.pos, f"field '{definition.name}' can not be filtered in a query call", "INVALID_FIELD"
        )
    get, norm = resolved.getter(), _normalise(definition)
    if cond.op in ("IN", "NOT IN"):
        assert isinstance(cond.value, tuple)
        wanted = {convert(query, definition, item) for item in cond.value}
        if cond.op == "IN":
            return lambda row: norm(get(row)) in wanted
        return lambda row: norm(get(row)) not in wanted
    assert isinstance(cond.value, Literal)
    if cond.op == "LIKE":
        if definition.type not in TEXT_TYPES and definition.type not in ("id", "reference", "textarea"):
            raise located(
                query.text,
                cond.path.pos,
                f"invalid operator on {definition.type} field",
                "INVALID_QUERY_FILTER_OPERATOR",
            )
        if cond.value.kind != "string":
            raise _criterion_error(query, cond.value, definition, quoted=True)
        regex = _like_regex(str(cond.value.value))
        return lambda row: isinstance(v := get(row), str) and regex.fullmatch(v) is not None
    target = convert(query, definition, cond.value)
    if isinstance(target, tuple):
        return _range_predicate(cond.op, get, target)
    return _compare_predicate(query, cond, definition, get, norm, target)


def _compare_predicate(
    query: Query, cond: Condition, definition: FieldDef, get: Getter, norm: Callable[[object], object], target: object
) -> Predicate:
    op = cond.op
    if op == "=":
        return lambda row: norm(get(row)) == target
    if op == "!=":
        return lambda row: norm(get(row)) != target
    if target is None or definition.type == "boolean":
        raise located(
            query.text, cond.path.pos, f"invalid operator on {definition.type} field", "INVALID_QUERY_FILTER_OPERATOR"
        )
    bound = cast(Any, target)  # a number, string, date or ms: comparable with the row's values
    compare: Callable[[Any], bool] = {
        "<": lambda v: v < bound,
        "<=": lambda v: v <= bound,
        ">": lambda v: v > bound,
        ">=": lambda v: v >= bound,
    }[op]
    return lambda row: (v := norm(get(row))) is not None and compare(v)


def _range_predicate(op: str, get: Getter, span: tuple[object, object]) -> Predicate:
    start, end = span
    tests: dict[str, Callable[[object], bool]] = {
        "=": lambda v: start <= v < end,  # type: ignore[operator]
        "!=": lambda v: not (start <= v < end),  # type: ignore[operator]
        "<": lambda v: v < start,  # type: ignore[operator]
        "<=": lambda v: v < end,  # type: ignore[operator]
        ">": lambda v: v >= end,  # type: ignore[operator]
        ">=": lambda v: v >= start,  # type: ignore[operator]
    }
    test = tests[op]
    if op == "!=":
        return lambda row: (v := get(row)) is None or test(v)
    return lambda row: (v := get(row)) is not None and test(v)


def predicate(query: Query, catalog: Catalog, root: Table, expr: Expr) -> Predicate:
    """The row test of a whole WHERE expression."""
    if isinstance(expr, Condition):
        return condition_predicate(query, catalog, root, expr)
    if isinstance(expr, Junction):
        parts = [predicate(query, catalog, root, item) for item in expr.items]
        if expr.op == "AND":
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    inner = predicate(query, catalog, root, expr.item)
    return lambda row: not inner(row)
