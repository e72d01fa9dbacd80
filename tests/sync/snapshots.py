"""Comparable snapshots of what the store holds (to compare a crashed-and-resumed run with a clean one)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from sync.store import Store
from sync.store.schema import RECORD_TABLES, decisions, metadata, outbox, quarantine


def records(store: Store) -> dict[str, set[tuple[Any, ...]]]:
    """Every record row by kind: (source, crm_id, deleted, payload)."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    with store.read() as conn:
        for kind, table in RECORD_TABLES.items():
            rows = conn.execute(sa.select(table.c.source, table.c.crm_id, table.c.deleted, table.c.payload))
            found[kind] = {tuple(r) for r in rows}
    return found


def decisions_without_time(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """Current decisions, minus `evaluated_at`."""
    with store.read() as conn:
        rows = conn.execute(sa.select(decisions.c.source, decisions.c.crm_id, decisions.c.payload)).all()
    result = {}
    for source, crm_id, payload in rows:
        data = json.loads(payload)
        data.pop("evaluated_at", None)
        result[(source, crm_id)] = data
    return result


def outbox_states(store: Store) -> list[tuple[str, str, str]]:
    """(crm_id, state, values) of every outbox row."""
    with store.read() as conn:
        rows = conn.execute(sa.select(outbox.c.crm_id, outbox.c.state, outbox.c["values"]).order_by(outbox.c.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def quarantined(store: Store) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(kind, crm_id) -> (field, value, reason, waiting_for)."""
    with store.read() as conn:
        rows = conn.execute(sa.select(quarantine)).all()
    return {(r.kind, r.crm_id): (r.field, r.value, r.reason, r.waiting_for) for r in rows}


def wipe(store: Store) -> None:
    """Empty every table (to replay a scenario on the same store)."""
    with store.write() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
