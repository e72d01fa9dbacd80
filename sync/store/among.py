"""`column IN (a list bound at run time)`, as one parameter where the database allows it.

A webhook's recalculation looks up a few dozen accounts' rows in a dozen tables. An IN list built
per call had SQLAlchemy coerce and render every id, and past 50 parameters psycopg parsed the
statement anew each time (its statement cache stops there): about 15 µs per id per lookup. On
PostgreSQL `column = ANY(:ids)` is one constant statement with one array parameter, whatever the
number of ids; SQLite has no arrays, so there the list is expanded into one parameter per id.
Statements using `among` are built once; a call passes the list under the parameter's name.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType


class _Among(ColumnElement[bool]):
    """`column` is one of the values bound to the parameter `name` (a list)."""

    inherit_cache = True
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012  SQLAlchemy declares it so
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name

    def self_group(self, against: Any = None) -> ColumnElement[bool]:
        # Already a condition: left alone, SQLite would otherwise get `... IN (...) = 1`, which no index serves.
        return self


def among(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`column IN :name`, where `:name` is a list given when the statement runs."""
    return _Among(column, name)


@compiles(_Among)
def _expanded(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(sa.bindparam(element.name, expanding=True)), **kw)


@compiles(_Among, "postgresql")
def _array(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    values = sa.bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == sa.any_(values), **kw)
