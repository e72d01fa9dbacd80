"""Limit-increase requests and the overrides their approvals put in force, as the store keeps them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.models import LimitOverride
from sync.store.among import among
from sync.store.codec import to_stamp
from sync.store.records import chunks, upsert_many
from sync.store.schema import limit_overrides, limit_requests

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """One request row."""

    id: int
    source: str
    crm_id: str
    amount: Decimal
    currency: str
    kind: str
    reason: str | None
    origin: str
    requested_by: str | None
    requested_at: str
    expires_on: date | None
    status: str
    route: str | None
    granted: Decimal | None
    decided_by: str | None
    decided_at: str | None
    note: str | None

    @property
    def key(self) -> Key:
        """(source, crm_id) of the account."""
        return (self.source, self.crm_id)

    def to_json(self) -> dict[str, Any]:
        """The request as JSON-ready values (money and dates as strings)."""
        return {
            "id": self.id, "source": self.source, "crm_id": self.crm_id, "amount": str(self.amount),
            "currency": self.currency, "kind": self.kind, "reason": self.reason, "origin": self.origin,
            "requested_by": self.requested_by, "requested_at": self.requested_at,
            "expires_on": _day(self.expires_on), "status": self.status, "route": self.route,
            "granted": None if self.granted is None else str(self.granted), "decided_by": self.decided_by,
            "decided_at": self.decided_at, "note": self.note,
        }  # fmt: skip


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _request(row: Any) -> StoredRequest:
    return StoredRequest(
        id=row.id, source=row.source, crm_id=row.crm_id, amount=Decimal(row.amount), currency=row.currency,
        kind=row.kind, reason=row.reason, origin=row.origin, requested_by=row.requested_by,
        requested_at=row.requested_at, expires_on=_date(row.expires_on), status=row.status, route=row.route,
        granted=None if row.granted is None else Decimal(row.granted), decided_by=row.decided_by,
        decided_at=row.decided_at, note=row.note,
    )  # fmt: skip


def add_request(
    conn: Connection,
    key: Key,
    amount: Decimal,
    currency: str,
    *,
    kind: str,
    origin: str,
    requested_by: str | None,
    reason: str | None,
    expires_on: date | None,
    now: datetime,
) -> int:
    """Insert a pending request; its id."""
    result = conn.execute(
        sa.insert(limit_requests).values(
            source=key[0],
            crm_id=key[1],
            amount=str(amount),
            currency=currency,
            kind=kind,
            reason=reason,
            origin=origin,
            requested_by=requested_by,
            requested_at=to_stamp(now),
            expires_on=_day(expires_on),
            status="pending",
        )
    )
    new_id = result.inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def set_routing(conn: Connection, request_id: int, route: str | None, granted: Decimal) -> None:
    """Record where a pending request waits and what the policy granted."""
    conn.execute(
        sa.update(limit_requests).where(limit_requests.c.id == request_id).values(route=route, granted=str(granted))
    )


def decide(conn: Connection, request_id: int, status: str, decided_by: str, note: str | None, now: datetime) -> bool:
    """Mark a pending request approved or rejected; False when it was no longer pending (someone was first)."""
    result = conn.execute(
        sa.update(limit_requests)
        .where(limit_requests.c.id == request_id, limit_requests.c.status == "pending")
        .values(status=status, decided_by=decided_by, decided_at=to_stamp(now), note=note)
    )
    return result.rowcount == 1


def load_request(conn: Connection, request_id: int) -> StoredRequest | None:
    """One request by id."""
    row = conn.execute(sa.select(limit_requests).where(limit_requests.c.id == request_id)).first()
    return None if row is None else _request(row)


def list_requests(
    conn: Connection, status: str | None = None, key: Key | None = None, limit: int = 500
) -> list[StoredRequest]:
    """Requests, newest first, optionally of one status or one account."""
    query = sa.select(limit_requests).order_by(limit_requests.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(limit_requests.c.status == status)
    if key is not None:
        query = query.where(limit_requests.c.source == key[0], limit_requests.c.crm_id == key[1])
    return [_request(r) for r in conn.execute(query)]


@cache
def _of_accounts(table: sa.Table, by_origin: bool) -> sa.Select[Any]:
    # Built once per table: every chunk of every recalculation runs it.
    query = sa.select(table).where(table.c.source == sa.bindparam("source"), among(table.c.crm_id, "ids"))
    return query.where(table.c.origin == sa.bindparam("origin")) if by_origin else query


def _by_keys(conn: Connection, table: sa.Table, keys: Iterable[Key], origin: str | None = None) -> list[Any]:
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, crm_id in keys:
        by_source[source].append(crm_id)
    rows: list[Any] = []
    query = _of_accounts(table, origin is not None)
    for source, ids in by_source.items():
        for chunk in chunks(ids, 500):
            rows.extend(conn.execute(query, {"source": source, "ids": list(chunk), "origin": origin}))
    return rows


def latest_requests(conn: Connection, keys: Iterable[Key], origin: str | None = None) -> dict[Key, StoredRequest]:
    """The newest request of each of these accounts (of one origin, when given)."""
    found: dict[Key, StoredRequest] = {}
    for row in _by_keys(conn, limit_requests, keys, origin):
        request = _request(row)
        if request.key not in found or request.id > found[request.key].id:
            found[request.key] = request
    return found


def save_override(conn: Connection, key: Key, override: LimitOverride, request_id: int | None, now: datetime) -> None:
    """Put a manual limit in force for an account (replacing the one before)."""
    assert override.approved_by is not None
    row = {
        "source": key[0], "crm_id": key[1], "request_id": request_id, "amount": str(override.amount),
        "currency": override.currency, "expires_on": _day(override.expires_on), "reason": override.reason,
        "approved_by": override.approved_by, "set_at": to_stamp(now),
    }  # fmt: skip
    columns = ["request_id", "amount", "currency", "expires_on", "reason", "approved_by", "set_at"]
    upsert_many(conn, limit_overrides, ["source", "crm_id"], [row], columns)


def load_overrides(conn: Connection, keys: Iterable[Key]) -> dict[Key, tuple[int | None, LimitOverride]]:
    """The override on file for each of these accounts with the request that set it (in force or not)."""
    return {
        (r.source, r.crm_id): (
            r.request_id,
            LimitOverride(
                amount=Decimal(r.amount),
                currency=r.currency,
                expires_on=_date(r.expires_on),
                reason=r.reason,
                approved_by=r.approved_by,
            ),
        )
        for r in _by_keys(conn, limit_overrides, keys)
    }
