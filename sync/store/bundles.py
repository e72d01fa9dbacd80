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
from sync.store.codec import decode_record
from sync.store.records import chunks
from sync.store.schema import RECORD_TABLES, accounts

Key = tuple[str, str]
_STREAM_ROWS = 2000


@dataclass
class Bundle:
    """One account and its live records."""

    account: Account
    invoices: list[Invoice] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)

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

    def take(self, key: Key) -> list[Any]:
        found: list[Any] = []
        while self.head is not None and (self.head.source, self.head.account_crm_id) <= key:
            row = self.head
            if (row.source, row.account_crm_id) == key:
                found.append(decode_record(self.kind, row.source, row.crm_id, row.payload))
            self.head = next(self.rows, None)  # records of unknown or deleted accounts are skipped
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
        invoices, orders, payments = (c.take(key) for c in children)
        yield Bundle(account, invoices, orders, payments)


def load_bundles(conn: Connection, keys: Iterable[Key]) -> list[Bundle]:
    """Bundles of a few named accounts (a webhook's recalculation); deleted or unknown ones are left out."""
    by_source: dict[str, list[str]] = {}
    for source, crm_id in dict.fromkeys(keys):
        by_source.setdefault(source, []).append(crm_id)
    bundles: list[Bundle] = []
    for source, ids in sorted(by_source.items()):
        for chunk in chunks(sorted(ids), 500):
            found = {b.account.crm_id: b for b in _load_chunk(conn, source, chunk)}
            bundles.extend(found[i] for i in chunk if i in found)
    return bundles


def _load_chunk(conn: Connection, source: str, ids: Iterable[str]) -> list[Bundle]:
    wanted = list(ids)
    query = sa.select(accounts.c.crm_id, accounts.c.payload).where(
        accounts.c.source == source, accounts.c.crm_id.in_(wanted), accounts.c.deleted.is_(False)
    )
    bundles = {r.crm_id: Bundle(decode_record("account", source, r.crm_id, r.payload)) for r in conn.execute(query)}
    for kind, attribute in (("invoice", "invoices"), ("order", "orders"), ("payment", "payments")):
        table = RECORD_TABLES[kind]
        rows = conn.execute(
            sa.select(table.c.account_crm_id, table.c.crm_id, table.c.payload).where(
                table.c.source == source, table.c.account_crm_id.in_(wanted), table.c.deleted.is_(False)
            )
        )
        for r in rows:
            if r.account_crm_id in bundles:
                getattr(bundles[r.account_crm_id], attribute).append(decode_record(kind, source, r.crm_id, r.payload))
    return list(bundles.values())


def load_hierarchy(conn: Connection, sources: Iterable[str] | None = None) -> dict[Key, str | None]:
    """(source, crm_id) -> parent crm_id of every live account that has a parent or is one."""
    wanted = list(sources) if sources is not None else None
    children = sa.select(accounts.c.source, accounts.c.crm_id, accounts.c.parent_crm_id).where(
        accounts.c.deleted.is_(False), accounts.c.parent_crm_id.is_not(None)
    )
    if wanted:
        children = children.where(accounts.c.source.in_(wanted))
    links: dict[Key, str | None] = {(r.source, r.crm_id): r.parent_crm_id for r in conn.execute(children)}
    parents = {(source, parent) for (source, _id), parent in links.items() if parent is not None}
    for source, parent in parents:
        links.setdefault((source, parent), None)
    # Parents that have parents of their own were already listed as children.
    return links
