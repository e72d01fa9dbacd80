"""The steps of a limit-increase request inside one store transaction, each with its audit row.

Used by the request desk (CLI, API, admin page) and by evaluation, which opens a request when a
CRM record's mapped `requested_limit` changes. The rules themselves are `credit_core.requests`.
Audit events: request_created, request_approved, request_rejected, request_withdrawn,
request_refused, override_set; `trigger` is user | sync | webhook, `actor` the acting user
(None for the policy and for what a CRM record asked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core import requests as rules
from credit_core.models import LimitOverride
from sync.config import AppConfig
from sync.store import requests as stored
from sync.store.bundles import Bundle
from sync.store.decisions import add_audit
from sync.store.schema import limit_requests

Key = tuple[str, str]


def roles_of(config: AppConfig) -> list[rules.ApproverRole]:
    """The `[approvers.*]` tables as the credit core's roles."""
    return [rules.ApproverRole(name, frozenset(r.users), r.ceiling) for name, r in config.approvers.items()]


def override_json(override: LimitOverride | None) -> dict[str, Any] | None:
    """An override as an audit document."""
    if override is None:
        return None
    return {"amount": str(override.amount), "currency": override.currency, "reason": override.reason,
            "approved_by": override.approved_by,
            "expires_on": override.expires_on.isoformat() if override.expires_on else None}  # fmt: skip


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What someone (or a CRM record) asks for one account; amounts in the account's currency."""

    key: Key
    amount: Decimal
    currency: str
    amount_base: Decimal
    origin: str  # cli | api | admin | crm
    requested_by: str | None
    reason: str | None = None
    expires_on: date | None = None
    manual: bool = False  # a limit set by hand (even below the policy's): always decided by a person


@dataclass(frozen=True, slots=True)
class Step:
    """Who acts, how, and when (for the audit rows)."""

    trigger: str
    actor: str | None
    now: datetime


def open_request(
    conn: Connection, new: NewRequest, granted: Decimal, roles: Iterable[rules.ApproverRole], step: Step
) -> stored.StoredRequest:
    """Store a request, withdraw the account's older pending ones, then approve it by policy or route it."""
    request_id = stored.add_request(
        conn, new.key, new.amount, new.currency, kind="manual" if new.manual else "increase", origin=new.origin,
        requested_by=new.requested_by, reason=new.reason, expires_on=new.expires_on, now=step.now,
    )  # fmt: skip
    _withdraw_older(conn, new.key, request_id, step)
    routing = rules.route(new.amount, new.amount_base, granted, roles, new.manual)
    stored.set_routing(conn, request_id, routing.role, granted)
    created = stored.load_request(conn, request_id)
    assert created is not None
    add_audit(conn, new.key, step.now, "request_created", step.trigger, actor=step.actor, after=created.to_json())
    if routing.status == rules.APPROVED:
        note = f"within the {granted:,.0f} {new.currency} the policy grants"
        stored.decide(conn, request_id, rules.APPROVED, rules.POLICY_ACTOR, note, step.now)
        _audit_decision(conn, request_id, step)
    found = stored.load_request(conn, request_id)
    assert found is not None
    return found


def _withdraw_older(conn: Connection, key: Key, newest: int, step: Step) -> None:
    query = sa.select(limit_requests.c.id).where(
        limit_requests.c.source == key[0], limit_requests.c.crm_id == key[1],
        limit_requests.c.status == rules.PENDING, limit_requests.c.id < newest,
    )  # fmt: skip
    for older in conn.execute(query).scalars().all():
        if stored.decide(conn, older, "withdrawn", step.actor or "crm", f"superseded by request {newest}", step.now):
            _audit_decision(conn, older, step, event="request_withdrawn")


def _audit_decision(
    conn: Connection, request_id: int, step: Step, event: str | None = None, role: str | None = None
) -> None:
    found = stored.load_request(conn, request_id)
    assert found is not None
    after = found.to_json() if role is None else {**found.to_json(), "role": role}
    add_audit(conn, found.key, step.now, event or f"request_{found.status}", step.trigger, actor=step.actor,
              before={"id": request_id, "status": rules.PENDING}, after=after)  # fmt: skip


def refuse(conn: Connection, request: stored.StoredRequest, refusal: rules.RequestRefused, step: Step) -> None:
    """Audit an attempt the rules refused (the caller then raises it)."""
    add_audit(conn, request.key, step.now, "request_refused", step.trigger, actor=step.actor,
              after={"id": request.id, "code": refusal.code, "message": str(refusal)})  # fmt: skip


def settle(
    conn: Connection,
    request: stored.StoredRequest,
    status: str,
    step: Step,
    note: str | None,
    role: str,
    override: LimitOverride | None = None,
) -> bool:
    """Approve or reject a pending request under `role`; an approval puts `override` in force (False: decided)."""
    assert step.actor is not None
    if not stored.decide(conn, request.id, status, step.actor, note, step.now):
        return False
    _audit_decision(conn, request.id, step, role=role)
    if override is not None:
        before = stored.load_overrides(conn, [request.key]).get(request.key, (None, None))[1]
        stored.save_override(conn, request.key, override, request.id, step.now)
        after = {"request_id": request.id, **(override_json(override) or {})}
        add_audit(conn, request.key, step.now, "override_set", step.trigger, actor=step.actor,
                  before=override_json(before), after=after)  # fmt: skip
    return True


def pick_up_and_apply(
    conn: Connection,
    chunk: list[Bundle],
    step: Step,
    roles: list[rules.ApproverRole],
    measure: Callable[[Bundle], tuple[str, Decimal, Decimal] | None],
) -> None:
    """Open requests for changed CRM `requested_limit`s, then put each account's request state on it.

    `measure(bundle)` gives (currency, base units per unit, the granted limit), None when the account
    cannot be evaluated (its error is reported when it is decided). A CRM value already asked for (the
    same amount as the last CRM request) opens nothing, so a rejected request is not asked again.
    """
    keys = [b.key for b in chunk]
    asked = stored.latest_requests(conn, keys, origin="crm")
    for bundle in chunk:
        amount = bundle.account.requested_limit
        if amount is None or amount <= 0 or (bundle.key in asked and asked[bundle.key].amount == amount):
            continue
        measured = measure(bundle)
        if measured is None:
            continue
        currency, rate, granted = measured
        new = NewRequest(bundle.key, amount, currency, amount * rate, "crm", None)
        open_request(conn, new, granted, roles, step)
    latest = stored.latest_requests(conn, keys)
    overrides = stored.load_overrides(conn, keys)
    day = step.now.date()
    for bundle in chunk:
        request = latest.get(bundle.key)
        set_by, override = overrides.get(bundle.key, (None, None))
        status = None
        if request is not None:
            status = rules.request_status_on(request.status, override if set_by == request.id else None, day)
        bundle.account = rules.with_request_state(bundle.account, override, status, day)
