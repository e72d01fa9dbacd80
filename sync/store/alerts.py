"""Owner tasks waiting for (or sent to) the CRM, recorded credit reviews, and the digests already sent."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from credit_core.alerts import TaskDraft
from sync.store.among import among
from sync.store.codec import to_stamp
from sync.store.records import chunks
from sync.store.schema import credit_reviews, crm_tasks, digests

Key = tuple[str, str]


def save_tasks(conn: Connection, source: str, drafts: Sequence[TaskDraft], now: datetime) -> int:
    """Queue tasks as pending; a change key already on file is skipped (one task per change). Returns the new."""
    if not drafts:
        return 0
    stamp = to_stamp(now)
    rows = [
        {"source": source, "crm_id": d.account_crm_id, "change_key": d.change_key, "kind": d.kind,
         "owner_crm_id": d.owner_crm_id, "subject": d.subject, "description": d.description,
         "due_on": d.due_on.isoformat(), "priority": d.priority, "state": "pending", "attempts": 0,
         "created_at": stamp, "updated_at": stamp}
        for d in drafts
    ]  # fmt: skip
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(crm_tasks).on_conflict_do_nothing(index_elements=[crm_tasks.c.source, crm_tasks.c.change_key])
    before = _count(conn, source)
    conn.execute(stmt, rows)
    return _count(conn, source) - before


def _count(conn: Connection, source: str) -> int:
    query = sa.select(sa.func.count()).select_from(crm_tasks).where(crm_tasks.c.source == source)
    return int(conn.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One stored task."""

    id: int
    source: str
    crm_id: str
    kind: str
    owner_crm_id: str | None
    subject: str
    description: str
    due_on: date
    priority: str
    state: str
    attempts: int
    task_crm_id: str | None
    message: str | None


def _task(row: Any) -> TaskRow:
    return TaskRow(
        row.id, row.source, row.crm_id, row.kind, row.owner_crm_id, row.subject, row.description,
        date.fromisoformat(row.due_on), row.priority, row.state, row.attempts, row.task_crm_id, row.message,
    )  # fmt: skip


def pending_tasks(conn: Connection, source: str, limit: int) -> list[TaskRow]:
    """The oldest pending tasks of one source."""
    query = (
        sa.select(crm_tasks)
        .where(crm_tasks.c.source == source, crm_tasks.c.state == "pending")
        .order_by(crm_tasks.c.id)
        .limit(limit)
    )
    return [_task(r) for r in conn.execute(query)]


_t = crm_tasks.c
# Pending, or left `sending` by a sender that died before `stale`.
_WAITING = (_t.state == "pending") | ((_t.state == "sending") & (_t.updated_at < sa.bindparam("stale")))
_OLDEST_WAITING = (
    sa.select(_t.id)
    .where(_t.source == sa.bindparam("of_source"), _WAITING)
    .order_by(_t.id)
    .limit(sa.bindparam("limit"))
)
_CLAIM = (
    sa.update(crm_tasks)
    .where(_t.id.in_(_OLDEST_WAITING.scalar_subquery()), _WAITING)
    .values(state="sending", updated_at=sa.bindparam("now"))
    .returning(*crm_tasks.c)
)


def claim_tasks(conn: Connection, source: str, limit: int, now: datetime, stale: datetime) -> list[TaskRow]:
    """Take up to `limit` pending tasks (or ones a crashed sender left `sending` before `stale`) for sending.

    One conditional update takes them, so two workers never send the same task: PostgreSQL checks the
    condition again on a row another worker changed meanwhile, and SQLite admits one writer at a time.
    """
    params = {"of_source": source, "limit": limit, "stale": to_stamp(stale), "now": to_stamp(now)}
    return sorted((_task(r) for r in conn.execute(_CLAIM, params)), key=lambda task: task.id)


def release_task(conn: Connection, task_id: int, now: datetime) -> None:
    """Hand a claimed task back as pending (its send was stopped before the CRM answered)."""
    query = sa.update(crm_tasks).where(crm_tasks.c.id == task_id, crm_tasks.c.state == "sending")
    conn.execute(query.values(state="pending", updated_at=to_stamp(now)))


def list_tasks(conn: Connection, source: str | None = None, crm_id: str | None = None) -> list[TaskRow]:
    """Stored tasks, oldest first (of one source, or one account)."""
    query = sa.select(crm_tasks).order_by(crm_tasks.c.id)
    if source is not None:
        query = query.where(crm_tasks.c.source == source)
    if crm_id is not None:
        query = query.where(crm_tasks.c.crm_id == crm_id)
    return [_task(r) for r in conn.execute(query)]


def mark_task(
    conn: Connection,
    task_id: int,
    state: str,
    now: datetime,
    task_crm_id: str | None = None,
    message: str | None = None,
) -> None:
    """Record one attempt's result."""
    values = {"state": state, "attempts": crm_tasks.c.attempts + 1, "task_crm_id": task_crm_id, "message": message,
              "updated_at": to_stamp(now)}  # fmt: skip
    conn.execute(sa.update(crm_tasks).where(crm_tasks.c.id == task_id).values(values))


# ---- reviews ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    """A recorded credit review."""

    reviewed_on: date
    outcome: str
    promise_to_pay_on: date | None
    actor: str


def save_review(conn: Connection, key: Key, review: Review, now: datetime) -> None:
    """Record one review of an account."""
    promise = review.promise_to_pay_on.isoformat() if review.promise_to_pay_on else None
    values = {"source": key[0], "crm_id": key[1], "reviewed_on": review.reviewed_on.isoformat(),
              "outcome": review.outcome, "promise_to_pay_on": promise, "actor": review.actor,
              "at": to_stamp(now)}  # fmt: skip
    conn.execute(sa.insert(credit_reviews).values(values))


_REVIEWS_OF = (
    sa.select(credit_reviews)
    .where(credit_reviews.c.source == sa.bindparam("source"), among(credit_reviews.c.crm_id, "ids"))
    .order_by(credit_reviews.c.id)
)


def load_reviews(conn: Connection, keys: Iterable[Key]) -> dict[Key, list[Review]]:
    """Every recorded review of these accounts, oldest first."""
    by_source: dict[str, list[str]] = {}
    for source, crm_id in keys:
        by_source.setdefault(source, []).append(crm_id)
    found: dict[Key, list[Review]] = {}
    for source, ids in by_source.items():
        for chunk in chunks(ids, 500):
            for r in conn.execute(_REVIEWS_OF, {"source": source, "ids": list(chunk)}):
                promise = date.fromisoformat(r.promise_to_pay_on) if r.promise_to_pay_on else None
                review = Review(date.fromisoformat(r.reviewed_on), r.outcome, promise, r.actor)
                found.setdefault((source, r.crm_id), []).append(review)
    return found


# ---- digests ---------------------------------------------------------------------------------------


def claim_digest(
    conn: Connection, period: str, recipients: Sequence[str], summary: dict[str, Any], now: datetime
) -> bool:
    """Mark a period's digest as sent; False when it already was (a re-run does not resend)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(digests).on_conflict_do_nothing(index_elements=[digests.c.period])
    values = {"period": period, "sent_at": to_stamp(now), "recipients": json.dumps(list(recipients)),
              "summary": json.dumps(summary)}  # fmt: skip
    return bool(conn.execute(stmt, values).rowcount)


def digest_sent(conn: Connection, period: str) -> bool:
    """Whether this period's digest went out."""
    query = sa.select(digests.c.period).where(digests.c.period == period)
    return conn.execute(query).first() is not None
