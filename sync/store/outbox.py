"""Outbox rows: one intended write per account (changed fields only), with its state and history.

States: `pending` → `in_flight` → `sent` | `failed` (transient, retried with backoff) | `rejected`
(the CRM refused the values; never retried with the same values).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.store.among import among
from sync.store.codec import from_stamp, to_stamp
from sync.store.records import chunks
from sync.store.schema import outbox

OPEN_STATES = ("pending", "in_flight", "failed")
STATES = ("pending", "in_flight", "sent", "failed", "rejected")


def encode_values(values: Mapping[str, Any]) -> str:
    """Formatted CRM values as JSON that keeps Decimal and date types."""

    def tag(value: Any) -> Any:
        if isinstance(value, Decimal):
            return {"$decimal": str(value)}
        if isinstance(value, date):
            return {"$date": value.isoformat()}
        return value

    return json.dumps({k: tag(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True)


def decode_values(text: str) -> dict[str, Any]:
    """The inverse of `encode_values`."""

    def untag(value: Any) -> Any:
        if isinstance(value, dict):
            if "$decimal" in value:
                return Decimal(value["$decimal"])
            if "$date" in value:
                return date.fromisoformat(value["$date"])
        return value

    return {k: untag(v) for k, v in json.loads(text).items()}


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One intended write."""

    id: int
    source: str
    crm_id: str
    crm_object: str
    values: dict[str, Any]
    state: str
    attempts: int
    code: str | None
    message: str | None
    next_attempt_at: datetime | None


def _row(r: Any) -> OutboxRow:
    due = from_stamp(r.next_attempt_at) if r.next_attempt_at else None
    values = decode_values(r.values)
    return OutboxRow(r.id, r.source, r.crm_id, r.crm_object, values, r.state, r.attempts, r.code, r.message, due)


_ROWS_OF = (
    sa.select(outbox)
    .where(outbox.c.source == sa.bindparam("source"), among(outbox.c.crm_id, "ids"), among(outbox.c.state, "states"))
    .order_by(outbox.c.id)
)


def rows_for_accounts(
    conn: Connection, source: str, crm_ids: Iterable[str], states: Iterable[str]
) -> dict[str, list[OutboxRow]]:
    """Rows in these states by account, oldest first."""
    found: dict[str, list[OutboxRow]] = {}
    wanted = list(states)
    for chunk in chunks(list(dict.fromkeys(crm_ids)), 500):
        for r in conn.execute(_ROWS_OF, {"source": source, "ids": list(chunk), "states": wanted}):
            found.setdefault(r.crm_id, []).append(_row(r))
    return found


def insert_pending(
    conn: Connection, source: str, crm_object: str, writes: Mapping[str, Mapping[str, Any]], now: datetime
) -> None:
    """New intended writes, by account (one executemany)."""
    if not writes:
        return
    stamp = to_stamp(now)
    rows = [
        {"source": source, "crm_id": crm_id, "crm_object": crm_object, "values": encode_values(values),
         "state": "pending", "attempts": 0, "created_at": stamp, "updated_at": stamp}
        for crm_id, values in writes.items()
    ]  # fmt: skip
    conn.execute(sa.insert(outbox), rows)


def update_rows(conn: Connection, changes: Sequence[tuple[int, dict[str, Any]]], now: datetime) -> None:
    """Apply `update_row` to many rows, one executemany per set of changed columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, change in changes:
        params = _column_values(dict(change))
        params["updated_at"] = to_stamp(now)
        groups.setdefault(tuple(sorted(params)), []).append({"_id": row_id, **params})
    for columns, batch in groups.items():
        conn.execute(_update_statement(columns), batch)


@cache
def _update_statement(columns: tuple[str, ...]) -> sa.Update:
    # Built once per set of columns (a handful): building it cost as much as running it for one row.
    stmt = sa.update(outbox).where(outbox.c.id == sa.bindparam("_id"))
    return stmt.values({name: sa.bindparam(name) for name in columns})


_CLAIM = (
    sa.update(outbox)
    .where(among(outbox.c.id, "ids"))
    .where(among(outbox.c.state, "states"))
    .values(state="in_flight", attempts=outbox.c.attempts + 1, updated_at=sa.bindparam("now"))
    .returning(outbox.c.id, outbox.c.attempts)
)


def claim_rows(conn: Connection, row_ids: Sequence[int], states: Iterable[str], now: datetime) -> dict[int, int]:
    """Move rows still in one of `states` to `in_flight`, counting the attempt, in one statement.

    Returns each claimed row's attempts before this one. Two pushers (a webhook worker and a
    scheduled sync) may read the same due rows; only one claims each.
    """
    claimed: dict[int, int] = {}
    wanted, stamp = list(states), to_stamp(now)
    for chunk in chunks(list(row_ids), 500):
        params = {"ids": list(chunk), "states": wanted, "now": stamp}
        claimed.update((row_id, attempts - 1) for row_id, attempts in conn.execute(_CLAIM, params))
    return claimed


def _column_values(changes: dict[str, Any]) -> dict[str, Any]:
    if "values" in changes:
        changes["values"] = encode_values(changes["values"])
    if isinstance(changes.get("next_attempt_at"), datetime):
        changes["next_attempt_at"] = to_stamp(changes["next_attempt_at"])
    return changes


def update_row(conn: Connection, row_id: int, now: datetime, *, only_in: Iterable[str] = (), **changes: Any) -> bool:
    """Change a row's state, values, attempts, message or due time; with `only_in`, only while the row
    is still in one of those states (two pushers never claim one row). True when the row changed."""
    changes = _column_values(changes)
    query = sa.update(outbox).where(outbox.c.id == row_id)
    states = list(only_in)
    if states:
        query = query.where(outbox.c.state.in_(states))
    return bool(conn.execute(query.values(updated_at=to_stamp(now), **changes)).rowcount)


def delete_row(conn: Connection, row_id: int, only_in: Iterable[str] = ()) -> bool:
    """Drop a write that is no longer needed (with `only_in`: only while in one of those states)."""
    query = sa.delete(outbox).where(outbox.c.id == row_id)
    states = list(only_in)
    if states:
        query = query.where(outbox.c.state.in_(states))
    return bool(conn.execute(query).rowcount)


def rows_in_state(conn: Connection, source: str, state: str) -> list[OutboxRow]:
    """Rows of a source in one state, oldest first."""
    query = sa.select(outbox).where(outbox.c.source == source, outbox.c.state == state).order_by(outbox.c.id)
    return [_row(r) for r in conn.execute(query)]


_DUE = sa.or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= sa.bindparam("due"))
_OPEN = sa.select(outbox).where(
    outbox.c.source == sa.bindparam("source"), outbox.c.state.in_(OPEN_STATES), (outbox.c.state != "failed") | _DUE
)
_OPEN_ALL = _OPEN.order_by(outbox.c.id)
_OPEN_OF = _OPEN.where(among(outbox.c.crm_id, "crm_ids"))


def open_rows(
    conn: Connection, source: str, due_by: datetime, crm_ids: Collection[str] | None = None
) -> list[OutboxRow]:
    """Rows of a source in flight, pending, or failed and due by `due_by` (or of these accounts), oldest first.

    One read for what a push needs: the writes to reconcile and the writes to send.
    """
    params: dict[str, Any] = {"source": source, "due": to_stamp(due_by)}
    if crm_ids is None:
        return [_row(r) for r in conn.execute(_OPEN_ALL, params)]
    found: list[OutboxRow] = []
    for chunk in chunks(sorted(crm_ids), 500):
        found += [_row(r) for r in conn.execute(_OPEN_OF, {**params, "crm_ids": list(chunk)})]
    return sorted(found, key=lambda row: row.id)


def count_by_state(conn: Connection, source: str) -> dict[str, int]:
    """Outbox rows of a source by state."""
    query = sa.select(outbox.c.state, sa.func.count()).where(outbox.c.source == source).group_by(outbox.c.state)
    return {state: int(n) for state, n in conn.execute(query).all()}
