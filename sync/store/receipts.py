"""Webhook receipts: what the CRMs already delivered, and which signatures were already accepted.

Salesforce delivers Outbound Messages at least once (a lost Ack means a resend with the same
notification ids), so a delivery id seen before is answered but not queued again. A generic
webhook's signature is accepted once, whichever `serve` process sees it first: the store is
shared by all of them, and the primary key makes the first insert win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sync.store.codec import to_stamp
from sync.store.schema import webhook_receipts


def _insert_new(conn: Connection, key: str, source: str, now: datetime) -> bool:
    """Insert one receipt unless present; True when this call inserted it."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(webhook_receipts).values(key=key, source=source, received_at=to_stamp(now))
    # RETURNING, not rowcount: drivers disagree on the rowcount of an upsert that did nothing.
    returning = stmt.on_conflict_do_nothing(index_elements=["key"]).returning(webhook_receipts.c.key)
    return conn.execute(returning).first() is not None


def remember_deliveries(conn: Connection, source: str, delivery_ids: Iterable[str], now: datetime) -> int:
    """Record a CRM's notification ids; return how many were new."""
    return sum(_insert_new(conn, f"delivery:{source}:{d}", source, now) for d in dict.fromkeys(delivery_ids))


def seen_deliveries(conn: Connection, source: str, delivery_ids: Iterable[str]) -> set[str]:
    """The notification ids of this source already received."""
    keys = {f"delivery:{source}:{d}": d for d in delivery_ids}
    if not keys:
        return set()
    query = sa.select(webhook_receipts.c.key).where(webhook_receipts.c.key.in_(list(keys)))
    return {keys[k] for k in conn.execute(query).scalars()}


def accept_signature_once(conn: Connection, source: str, signature_digest: str, now: datetime) -> bool:
    """True the first time a signature is presented, False for a replay."""
    return _insert_new(conn, f"signature:{signature_digest}", source, now)


def purge_receipts(conn: Connection, before: datetime) -> int:
    """Forget receipts older than `before` (Salesforce stops resending after 24 h)."""
    result = conn.execute(sa.delete(webhook_receipts).where(webhook_receipts.c.received_at < to_stamp(before)))
    return int(result.rowcount or 0)
