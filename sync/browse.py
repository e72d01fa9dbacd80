"""Finding customers for the admin pages: the largest exposures, or a search by name or CRM id."""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sync.store import Store
from sync.store.schema import accounts, decisions

LIMIT = 100


@dataclass(frozen=True)
class AccountLine:
    """One customer in a list."""

    source: str
    crm_id: str
    name: str
    grade: str | None
    score: int | None
    status: str | None
    exposure: Decimal | None
    credit_limit: Decimal | None
    currency: str | None
    flags: tuple[str, ...]


def _line(source: str, crm_id: str, account_payload: str, decision_payload: str | None) -> AccountLine:
    name = json.loads(account_payload).get("name") or crm_id
    d: dict[str, Any] = json.loads(decision_payload) if decision_payload else {}
    money = {k: Decimal(d[k]) if d.get(k) is not None else None for k in ("exposure", "credit_limit")}
    return AccountLine(source, crm_id, name, d.get("grade"), d.get("score"), d.get("status"), money["exposure"],
                       money["credit_limit"], d.get("currency"), tuple(d.get("flags") or ()))  # fmt: skip


def find_accounts(store: Store, search: str = "", limit: int = LIMIT) -> list[AccountLine]:
    """Live accounts matching `search` (name or CRM id, any case), largest exposure first."""
    query = (
        sa.select(accounts.c.source, accounts.c.crm_id, accounts.c.payload, decisions.c.payload.label("decision"))
        .select_from(
            accounts.outerjoin(
                decisions, sa.and_(decisions.c.source == accounts.c.source, decisions.c.crm_id == accounts.c.crm_id)
            )
        )
        .where(accounts.c.deleted.is_(False))
    )
    term = search.strip().lower()
    if term:
        pattern = f"%{term}%"
        query = query.where(
            sa.or_(sa.func.lower(accounts.c.payload).like(pattern), sa.func.lower(accounts.c.crm_id).like(pattern))
        )
    lines: list[AccountLine] = []
    with store.read() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
            line = _line(row.source, row.crm_id, row.payload, row.decision)
            if not term or term in line.name.lower() or term in line.crm_id.lower():
                lines.append(line)
    return heapq.nlargest(limit, lines, key=lambda a: (a.exposure or Decimal(0), a.name))
