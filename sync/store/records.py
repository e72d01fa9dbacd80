"""Writing canonical records: batched idempotent upserts, tombstones, full-pass reconciliation.

Upserts are compiled once per dialect from SQLAlchemy Core and sent with the DBAPI's own
`executemany`: at a million invoices, per-row parameter processing would cost more than SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from sync.store.among import among
from sync.store.schema import RECORD_TABLES

_COLUMNS = ("source", "crm_id", "link", "stamp", "deleted", "seen_pass", "changed_run", "payload")


class RecordRow(NamedTuple):
    """One record as stored; `link` is the parent (accounts) or the account (others)."""

    source: str
    crm_id: str
    link: str | None
    stamp: str
    deleted: bool
    seen_pass: int | None
    changed_run: int
    payload: str


class _Compiled(NamedTuple):
    sql: str
    order: tuple[str, ...] | None  # positional parameter order, None for named parameters


def link_column(kind: str) -> str:
    """The column linking a record to its parent account (accounts: to their parent)."""
    return "parent_crm_id" if kind == "account" else "account_crm_id"


@cache
def _upsert_sql(kind: str, dialect: Dialect) -> _Compiled:
    table = RECORD_TABLES[kind]
    link = link_column(kind)
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    new = stmt.excluded
    unchanged = sa.and_(table.c.payload == new.payload, table.c.deleted == new.deleted)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.source, table.c.crm_id],
        set_={
            link: new[link],
            "stamp": new.stamp,
            "deleted": new.deleted,
            "seen_pass": sa.func.coalesce(new.seen_pass, table.c.seen_pass),
            "payload": new.payload,
            "changed_run": sa.case((unchanged, table.c.changed_run), else_=new.changed_run),
        },
        # A row read earlier must not overwrite a newer version stored meanwhile (by a webhook fetch).
        where=new.stamp >= table.c.stamp,
    )
    names = ["source", "crm_id", link, "stamp", "deleted", "seen_pass", "changed_run", "payload"]
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return _Compiled(str(compiled), order)


def upsert_records(conn: Connection, kind: str, rows: Sequence[RecordRow]) -> None:
    """Insert or update rows of one kind (idempotent; older stamps never overwrite newer ones)."""
    if not rows:
        return
    compiled = _upsert_sql(kind, conn.dialect)
    link = link_column(kind)
    names = [link if c == "link" else c for c in _COLUMNS]
    params: list[Any]
    if compiled.order is None:
        params = [dict(zip(names, row, strict=True)) for row in rows]
    else:
        index = [names.index(name) for name in compiled.order]
        params = [tuple(row[i] for i in index) for row in rows] if index != list(range(len(names))) else list(rows)
    conn.exec_driver_sql(compiled.sql, params)


def tombstone(conn: Connection, kind: str, source: str, crm_ids: Iterable[str], run_id: int) -> int:
    """Mark records deleted (rows we never stored are ignored); return how many changed."""
    table = RECORD_TABLES[kind]
    ids = list(dict.fromkeys(crm_ids))
    done = 0
    for chunk in chunks(ids, 500):
        result = conn.execute(
            sa.update(table)
            .where(table.c.source == source, table.c.crm_id.in_(chunk), table.c.deleted.is_(False))
            .values(deleted=True, changed_run=run_id)
        )
        done += result.rowcount
    return done


def reconcile_unseen(conn: Connection, kind: str, source: str, full_pass: int, before: str, run_id: int) -> int:
    """After a full pass: tombstone live rows the pass did not see (hard deletes) and return how many.

    Rows stamped at or after the pass's frozen end were written by someone else after the pass read
    them, so they are not evidence of a delete.
    """
    table = RECORD_TABLES[kind]
    seen = table.c.seen_pass
    result = conn.execute(
        sa.update(table)
        .where(
            table.c.source == source,
            table.c.deleted.is_(False),
            sa.or_(seen.is_(None), seen != full_pass),
            table.c.stamp < before,
        )
        .values(deleted=True, changed_run=run_id)
    )
    return result.rowcount


def missing_ids(conn: Connection, kind: str, source: str, live: set[str], before: str) -> list[str]:
    """Ids of live rows stamped before `before` that are not in `live` (the CRM no longer has them)."""
    table = RECORD_TABLES[kind]
    query = sa.select(table.c.crm_id).where(
        table.c.source == source, table.c.deleted.is_(False), table.c.stamp < before
    )
    return [crm_id for crm_id in conn.execute(query).scalars() if crm_id not in live]


def _by_ids(table: sa.Table) -> sa.ColumnElement[bool]:
    """`source = :b_source AND crm_id IN :b_ids`, for statements built once and run with parameters."""
    return sa.and_(table.c.source == sa.bindparam("b_source"), among(table.c.crm_id, "b_ids"))


@cache
def _existing_query(kind: str) -> sa.Select[Any]:
    # Built once: constructing a statement costs more than SQLite running it for a few ids.
    table = RECORD_TABLES[kind]
    return sa.select(table.c.crm_id).where(_by_ids(table))


def existing_ids(conn: Connection, kind: str, source: str, crm_ids: Iterable[str]) -> set[str]:
    """Which of these ids are stored for `source` (tombstones included)."""
    query = _existing_query(kind)
    found: set[str] = set()
    for chunk in chunks(list(dict.fromkeys(crm_ids)), 500):
        found.update(conn.execute(query, {"b_source": source, "b_ids": chunk}).scalars())
    return found


class StoredVersion(NamedTuple):
    """What the store holds for one record, to tell a real change from a re-read."""

    link: str | None
    stamp: str
    deleted: bool
    payload: str


def stored_versions(conn: Connection, kind: str, source: str, crm_ids: Iterable[str]) -> dict[str, StoredVersion]:
    """The stored versions of these records."""
    query = _versions_query(kind)
    found: dict[str, StoredVersion] = {}
    for chunk in chunks(list(dict.fromkeys(crm_ids)), 500):
        rows = conn.execute(query, {"b_source": source, "b_ids": chunk})
        found.update({r[0]: StoredVersion(r[1], r[2], bool(r[3]), r[4]) for r in rows})
    return found


@cache
def _versions_query(kind: str) -> sa.Select[Any]:
    table = RECORD_TABLES[kind]
    link = table.c[link_column(kind)]
    columns = (table.c.crm_id, link, table.c.stamp, table.c.deleted, table.c.payload)
    return sa.select(*columns).where(_by_ids(table))


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_many(
    conn: Connection, table: sa.Table, keys: Sequence[str], rows: Sequence[dict[str, Any]], update: Sequence[str]
) -> None:
    """Insert rows, or update columns `update` of rows whose `keys` exist (one executemany)."""
    if not rows:
        return
    conn.execute(_upsert_statement(conn.dialect.name, table, tuple(keys), tuple(update)), list(rows))


@cache
def _upsert_statement(dialect: str, table: sa.Table, keys: tuple[str, ...], update: tuple[str, ...]) -> sa.Insert:
    # Built once per shape: constructing the ON CONFLICT clause cost more than executing a small one.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={name: stmt.excluded[name] for name in update}
    )
