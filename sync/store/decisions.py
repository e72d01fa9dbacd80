"""Decisions: the current one per account, history on material change, and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.store.codec import to_stamp
from sync.store.records import chunks
from sync.store.schema import audit, decision_history, decisions

Key = tuple[str, str]


def load_current(conn: Connection, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    """Current decision payloads (as dicts) of these accounts."""
    by_source: dict[str, list[str]] = {}
    for source, crm_id in keys:
        by_source.setdefault(source, []).append(crm_id)
    found: dict[Key, dict[str, Any]] = {}
    for source, ids in by_source.items():
        for chunk in chunks(ids, 500):
            query = sa.select(decisions.c.crm_id, decisions.c.payload).where(
                decisions.c.source == source, decisions.c.crm_id.in_(chunk)
            )
            found.update({(source, r.crm_id): json.loads(r.payload) for r in conn.execute(query)})
    return found


def save_current(
    conn: Connection, key: Key, payload: dict[str, Any], policy_version: str, now: datetime, material: bool
) -> None:
    """Insert or replace an account's current decision."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    values: dict[str, Any] = {"payload": text, "policy_version": policy_version, "evaluated_at": to_stamp(now)}
    if material:
        values["changed_at"] = to_stamp(now)
    where = (decisions.c.source == key[0], decisions.c.crm_id == key[1])
    if not conn.execute(sa.update(decisions).where(*where).values(**values)).rowcount:
        values.setdefault("changed_at", to_stamp(now))
        conn.execute(sa.insert(decisions).values(source=key[0], crm_id=key[1], **values))


def add_history(conn: Connection, key: Key, payload: dict[str, Any], now: datetime) -> None:
    """Keep a materially changed decision in the account's history."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    conn.execute(sa.insert(decision_history).values(source=key[0], crm_id=key[1], at=to_stamp(now), payload=text))


def add_audit(
    conn: Connection,
    key: Key,
    now: datetime,
    event: str,
    trigger: str,
    *,
    before: Any = None,
    after: Any = None,
    policy_version: str | None = None,
    inputs_digest: str | None = None,
    actor: str | None = None,
) -> None:
    """One audit row."""
    conn.execute(
        sa.insert(audit).values(
            at=to_stamp(now),
            source=key[0],
            crm_id=key[1],
            event=event,
            trigger=trigger,
            actor=actor,
            policy_version=policy_version,
            inputs_digest=inputs_digest,
            before=None if before is None else json.dumps(before, sort_keys=True, default=str),
            after=None if after is None else json.dumps(after, sort_keys=True, default=str),
        )
    )


def load_history(conn: Connection, key: Key, limit: int = 20) -> list[dict[str, Any]]:
    """The newest material changes of one account, newest first."""
    query = (
        sa.select(decision_history.c.at, decision_history.c.payload)
        .where(decision_history.c.source == key[0], decision_history.c.crm_id == key[1])
        .order_by(decision_history.c.id.desc())
        .limit(limit)
    )
    return [{"at": r.at, **json.loads(r.payload)} for r in conn.execute(query)]
