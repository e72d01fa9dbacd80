"""Records that failed mapping or validation, kept with their raw CRM fields until released."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.store.among import among
from sync.store.codec import to_stamp
from sync.store.records import chunks
from sync.store.schema import quarantine

_VALUE_CHARS = 200  # enough to recognise a bad value without storing a novel


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """Why one record was held back, with what is needed to re-map it later."""

    source: str
    kind: str
    crm_id: str
    field: str | None
    value: Any
    reason: str
    stamp: datetime
    raw: dict[str, Any]
    waiting_for: str | None = None  # a missing account's crm_id


def _text(value: Any) -> str | None:
    # PostgreSQL text cannot hold NUL, and a bad value may well contain one.
    return None if value is None else str(value)[:_VALUE_CHARS].replace("\x00", "\\x00")


def save_quarantine(conn: Connection, entries: Sequence[QuarantineEntry], now: datetime) -> int:
    """Insert or refresh entries (one per record: the latest problem wins); return how many are new.

    A lookback re-reads a bad record on every run until it leaves the window: that is the same
    problem again, not a new one, so it does not count.
    """
    new = 0
    for entry in entries:
        q = quarantine.c
        key = (q.source == entry.source, q.kind == entry.kind, q.crm_id == entry.crm_id)
        values = {
            "field": entry.field,
            "value": _text(entry.value),
            "reason": entry.reason,
            "waiting_for": entry.waiting_for,
            "stamp": to_stamp(entry.stamp),
            "raw": json.dumps(entry.raw, default=str, ensure_ascii=False),
            "last_seen": to_stamp(now),
        }
        held = conn.execute(sa.select(quarantine.c.stamp).where(*key)).scalar_one_or_none()
        if held is None:
            row = {"source": entry.source, "kind": entry.kind, "crm_id": entry.crm_id, "first_seen": to_stamp(now)}
            conn.execute(sa.insert(quarantine).values(**row, **values))
        else:
            conn.execute(sa.update(quarantine).where(*key).values(**values))
        if held != values["stamp"]:
            new += 1
    return new


def release(conn: Connection, source: str, kind: str, crm_ids: Iterable[str]) -> int:
    """Drop entries of records that are now stored (a corrected version arrived)."""
    done = 0
    for chunk in chunks(list(crm_ids), 500):
        done += conn.execute(_RELEASE, {"b_source": source, "b_kind": kind, "b_ids": chunk}).rowcount
    return done


# Built once: a webhook's fetch releases on every call, and building the statement cost more than running it.
_RELEASE = sa.delete(quarantine).where(
    quarantine.c.source == sa.bindparam("b_source"),
    quarantine.c.kind == sa.bindparam("b_kind"),
    among(quarantine.c.crm_id, "b_ids"),
)


def waiting_for_accounts(conn: Connection, source: str, account_ids: Iterable[str]) -> list[QuarantineEntry]:
    """Entries held back only because one of these accounts was missing."""
    found: list[QuarantineEntry] = []
    for chunk in chunks(list(account_ids), 500):
        rows = conn.execute(
            sa.select(quarantine).where(quarantine.c.source == source, quarantine.c.waiting_for.in_(chunk))
        ).all()
        found.extend(
            QuarantineEntry(
                r.source, r.kind, r.crm_id, r.field, r.value, r.reason, _from(r.stamp), json.loads(r.raw), r.waiting_for
            )
            for r in rows
        )
    return found


def _from(text: str) -> datetime:
    return datetime.fromisoformat(text)


def count_quarantined(conn: Connection, source: str, kind: str | None = None, waiting: bool = False) -> int:
    """How many records of a source (optionally one kind, or only those waiting for an account) are held."""
    query = sa.select(sa.func.count()).select_from(quarantine).where(quarantine.c.source == source)
    if kind is not None:
        query = query.where(quarantine.c.kind == kind)
    if waiting:
        query = query.where(quarantine.c.waiting_for.is_not(None))
    return int(conn.execute(query).scalar_one())


def list_quarantine(conn: Connection, source: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest entries, for `status` and the admin pages."""
    query = sa.select(
        quarantine.c.source,
        quarantine.c.kind,
        quarantine.c.crm_id,
        quarantine.c.field,
        quarantine.c.value,
        quarantine.c.reason,
        quarantine.c.last_seen,
    ).order_by(quarantine.c.last_seen.desc())
    if source is not None:
        query = query.where(quarantine.c.source == source)
    return [dict(row._mapping) for row in conn.execute(query.limit(limit))]
