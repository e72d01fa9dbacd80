"""The demo's limit requests: those read from Salesforce's Requested_Credit_Limit__c, then two asked here.

A sales rep asks for two customers' limits: one within what the policy grants (approved at once, by
the policy) and one above it (it waits for the credit manager, whose ceiling covers it). With
`--keep-running` the demo user is that credit manager and can decide it on the admin Requests page.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sync.config import AppConfig
from sync.engine import utc_now
from sync.request_desk import RequestDesk, list_requests
from sync.store import Store
from sync.store.requests import StoredRequest
from sync.store.schema import decisions

SALES_USER = "sales@example.com"
APPROVER_ROLE = "credit_manager"
APPROVER_CEILING = Decimal("1000000")
UPLIFT = Decimal("50000")  # what the second request asks above the granted limit


def approvers(user: str) -> dict[str, Any]:
    """The demo's `[approvers]` table: `user` decides requests up to the ceiling."""
    return {APPROVER_ROLE: {"users": [user], "ceiling": str(APPROVER_CEILING)}}


def _candidates(store: Store, source: str, asked: set[tuple[str, str]]) -> list[tuple[str, Decimal]]:
    """Accounts with a limit (grade A–D) and no request yet, whose uplift stays within the ceiling."""
    found = []
    query = sa.select(decisions.c.crm_id, decisions.c.payload).where(decisions.c.source == source)
    with store.read() as conn:
        for crm_id, payload in conn.execute(query.order_by(decisions.c.crm_id)):
            decision = json.loads(payload)
            limit = Decimal(decision["credit_limit"])
            if (source, crm_id) not in asked and Decimal(0) < limit <= APPROVER_CEILING - UPLIFT:
                found.append((crm_id, limit))
    return found


def _line(request: StoredRequest) -> str:
    head = f"limit request {request.id} for {request.crm_id}: {request.amount:,.0f} {request.currency}"
    grants = f"the policy grants {request.granted or 0:,.0f} {request.currency}"
    if request.status == "approved":
        return f"{head} approved at once ({grants})"
    return f"{head} waits for an approver in {request.route} ({grants}, above it needs a person)"


def run_requests(config: AppConfig, store: Store, source: str, say: Callable[[str], None]) -> dict[str, Any]:
    """Show the requests sync read from the CRM, then ask for one limit the policy grants and one it does not."""
    read = Counter(r["status"] for r in list_requests(store) if r["origin"] == "crm")
    say(f"limit requests read from the CRM records: {sum(read.values())} "
        f"({read['approved']} approved by the policy, {read['pending']} waiting for an approver)")  # fmt: skip
    asked = {(str(r["source"]), str(r["crm_id"])) for r in list_requests(store)}
    candidates = _candidates(store, source, asked)
    if len(candidates) < 2:
        return {"from_crm": dict(read), "auto_approved": None, "waiting": None}
    desk = RequestDesk(config, store, utc_now, SALES_USER, "cli")
    (first_id, first_limit), (second_id, second_limit) = candidates[0], candidates[1]
    within = desk.create((source, first_id), first_limit, reason="repeat order, within policy")
    above = desk.create((source, second_id), second_limit + UPLIFT, reason="large one-off order")
    for request in (within, above):
        say(f"{SALES_USER} asks: {_line(request)}")
    return {"from_crm": dict(read), "auto_approved": within.to_json(), "waiting": above.to_json()}
