"""Reading accounts back with their invoices, orders and payments, one account at a time.

The four record tables are read in (source, account) order through their indexes and merged, so a
full evaluation holds one account's records at a time, never a whole table (DESIGN §7: 100k accounts
with 1M invoices on one machine).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.models import Account, Invoice, Order, Payment
from sync.store.among import among
from sync.store.codec import decode_record
from sync.store.records import chunks
from sync.store.schema import RECORD_TABLES, accounts

Key = tuple[str, str]
_STREAM_ROWS = 2000
# Accounts per lookup: the record tables' statement lists them three times, and SQLite before 3.32
# caps a statement at 999 parameters.
_IDS_PER_LOOKUP = 300


@dataclass
class Bundle:
    """One account and its live records; `stored` keeps each record's payload as read, by (kind, crm_id)."""

    account: Account
    invoices: list[Invoice] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    # An input snapshot reuses these instead of encoding every record again (the first evaluation's
    # biggest cost). Invoices, orders and payments are never altered after loading; the account may be.
    stored: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        """(source, crm_id)."""
        return (self.account.source, self.account.crm_id)


def _child_rows(conn: Connection, kind: str, sources: list[str] | None) -> Iterator[Any]:
    table = RECORD_TABLES[kind]
    query = sa.select(table.c.source, table.c.account_crm_id, table.c.crm_id, table.c.payload).where(
        table.c.deleted.is_(False)
    )
    if sources:
        query = query.where(table.c.source.in_(sources))
    query = query.order_by(table.c.source, table.c.account_crm_id)
    yield from conn.execution_options(stream_results=True, yield_per=_STREAM_ROWS).execute(query)


class _Children:
    """A cursor over one child table, consumed in account order."""

    def __init__(self, kind: str, rows: Iterator[Any]) -> None:
        self.kind = kind
        self.rows = rows
        self.head = next(rows, None)

    def take(self, key: Key, stored: dict[tuple[str, str], str]) -> list[Any]:
        found: list[Any] = []
        kind, rows, row = self.kind, self.rows, self.head
        while row is not None:
            source, account_crm_id, crm_id, payload = row
            if (source, account_crm_id) > key:
                break
            if (source, account_crm_id) == key:
                found.append(decode_record(kind, source, crm_id, payload))
                stored[(kind, crm_id)] = payload
            row = next(rows, None)  # records of unknown or deleted accounts are skipped
        self.head = row
        return found


def stream_bundles(conn: Connection, sources: Iterable[str] | None = None) -> Iterator[Bundle]:
    """Every live account with its live records, in (source, crm_id) order."""
    wanted = list(sources) if sources is not None else None
    query = sa.select(accounts.c.source, accounts.c.crm_id, accounts.c.payload).where(accounts.c.deleted.is_(False))
    if wanted:
        query = query.where(accounts.c.source.in_(wanted))
    query = query.order_by(accounts.c.source, accounts.c.crm_id)
    children = [_Children(kind, _child_rows(conn, kind, wanted)) for kind in ("invoice", "order", "payment")]
    streamed = conn.execution_options(stream_results=True, yield_per=_STREAM_ROWS).execute(query)
    for row in streamed:
        key = (row.source, row.crm_id)
        account = decode_record("account", row.source, row.crm_id, row.payload)
        stored: dict[tuple[str, str], str] = {}
        invoices, orders, payments = (c.take(key, stored) for c in children)
        yield Bundle(account, invoices, orders, payments, stored)


def load_bundles(conn: Connection, keys: Iterable[Key]) -> list[Bundle]:
    """Bundles of a few named accounts (a webhook's recalculation); deleted or unknown ones are left out."""
    by_source: dict[str, list[str]] = {}
    for source, crm_id in dict.fromkeys(keys):
        by_source.setdefault(source, []).append(crm_id)
    bundles: list[Bundle] = []
    for source, ids in sorted(by_source.items()):
        for chunk in chunks(sorted(ids), _IDS_PER_LOOKUP):
            found = {b.account.crm_id: b for b in _load_chunk(conn, source, chunk)}
            bundles.extend(found[i] for i in chunk if i in found)
    return bundles


_ACCOUNTS_OF = sa.select(accounts.c.crm_id, accounts.c.payload).where(
    accounts.c.source == sa.bindparam("source"), among(accounts.c.crm_id, "ids"), accounts.c.deleted.is_(False)
)
_KINDS = (("invoice", "invoices"), ("order", "orders"), ("payment", "payments"))
# One statement for the three record tables (a round trip and a statement's fixed cost each, saved).
_CHILDREN_OF = sa.union_all(
    *[
        sa.select(
            sa.literal_column(str(position)).label("kind"), table.c.account_crm_id, table.c.crm_id, table.c.payload
        ).where(
            table.c.source == sa.bindparam("source"), among(table.c.account_crm_id, "ids"), table.c.deleted.is_(False)
        )
        for position, table in enumerate(RECORD_TABLES[kind] for kind, _ in _KINDS)
    ]
)


def _load_chunk(conn: Connection, source: str, ids: Iterable[str]) -> list[Bundle]:
    params = {"source": source, "ids": list(ids)}
    bundles = {
        crm_id: Bundle(decode_record("account", source, crm_id, payload))
        for crm_id, payload in conn.execute(_ACCOUNTS_OF, params).all()
    }
    # Fetched at once: psycopg's fetchone, row by row, cost about 2 µs a row more.
    for position, account_crm_id, crm_id, payload in conn.execute(_CHILDREN_OF, params).all():
        bundle = bundles.get(account_crm_id)
        if bundle is not None:
            kind, attribute = _KINDS[position]
            getattr(bundle, attribute).append(decode_record(kind, source, crm_id, payload))
            bundle.stored[(kind, crm_id)] = payload
    return list(bundles.values())


def load_hierarchy(conn: Connection) -> dict[Key, str | None]:
    """(source, crm_id) -> parent crm_id of every live account that has a parent or is one."""
    children = sa.select(accounts.c.source, accounts.c.crm_id, accounts.c.parent_crm_id).where(
        accounts.c.deleted.is_(False), accounts.c.parent_crm_id.is_not(None)
    )
    links: dict[Key, str | None] = {(r.source, r.crm_id): r.parent_crm_id for r in conn.execute(children)}
    parents = {(source, parent) for (source, _id), parent in links.items() if parent is not None}
    for source, parent in parents:
        links.setdefault((source, parent), None)
    # Parents that have parents of their own were already listed as children.
    return links
