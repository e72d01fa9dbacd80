"""What the store holds after a contract run, in the terms the contract speaks."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from sync.store import Store
from sync.store.codec import decode_record
from sync.store.schema import RECORD_TABLES, decisions, outbox, pull_state


def stored(store: Store, kind: str, source: str) -> dict[str, tuple[bool, Any]]:
    """crm_id -> (deleted, decoded record) of every row of a kind."""
    table = RECORD_TABLES[kind]
    query = sa.select(table.c.crm_id, table.c.deleted, table.c.payload).where(table.c.source == source)
    with store.read() as conn:
        return {r.crm_id: (r.deleted, decode_record(kind, source, r.crm_id, r.payload)) for r in conn.execute(query)}


def live(store: Store, kind: str, source: str) -> set[str]:
    """Ids stored and not tombstoned."""
    return {crm_id for crm_id, (deleted, _record) in stored(store, kind, source).items() if not deleted}


def decision(store: Store, source: str, crm_id: str) -> dict[str, Any]:
    """The current decision of an account."""
    query = sa.select(decisions.c.payload).where(decisions.c.source == source, decisions.c.crm_id == crm_id)
    with store.read() as conn:
        payload = conn.execute(query).scalar_one()
    found: dict[str, Any] = json.loads(payload)
    return found


def outbox_rows(store: Store, source: str) -> dict[str, tuple[str, str | None, str | None]]:
    """crm_id -> (state, code, message) of the newest outbox row per account."""
    query = sa.select(outbox.c.crm_id, outbox.c.state, outbox.c.code, outbox.c.message).where(outbox.c.source == source)
    with store.read() as conn:
        return {r.crm_id: (r.state, r.code, r.message) for r in conn.execute(query.order_by(outbox.c.id))}


def watermarks(store: Store, source: str) -> dict[str, Any]:
    """kind -> (watermark, checkpoint) as the pull state holds them."""
    with store.read() as conn:
        rows = conn.execute(sa.select(pull_state).where(pull_state.c.source == source)).mappings().all()
    return {row["kind"]: dict(row) for row in rows}
