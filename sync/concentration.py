"""The concentration section of the portfolio report, read from the store's current decisions.

Money is converted to the policy's base currency with `[fx]`; a decision in a currency without a rate
is left out and counted. Groups are parent hierarchies (`credit_core.portfolio.group_roots`), as for
the `CONCENTRATION` flag itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.concentration import Concentration, Position, concentration
from credit_core.fx import parse_rates
from credit_core.models import Account
from credit_core.policy import Policy
from sync.store import Store
from sync.store.bundles import load_hierarchy
from sync.store.codec import decode_record
from sync.store.groups import roots_of
from sync.store.schema import accounts, decisions

Key = tuple[str, str]


def _rows(conn: Connection) -> Iterator[tuple[Key, Account, dict[str, Any]]]:
    query = (
        sa.select(accounts.c.source, accounts.c.crm_id, accounts.c.payload, decisions.c.payload.label("decision"))
        .join(decisions, sa.and_(decisions.c.source == accounts.c.source, decisions.c.crm_id == accounts.c.crm_id))
        .where(accounts.c.deleted.is_(False))
    )
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
        account = decode_record("account", row.source, row.crm_id, row.payload)
        yield (row.source, row.crm_id), account, json.loads(row.decision)


def read_concentration(
    store: Store, policy: Policy, fx_rates: dict[str, Any] | None = None
) -> tuple[Concentration, int]:
    """Concentration of the current book, and how many decisions had no fx rate."""
    rates = parse_rates(fx_rates)
    positions: list[Position] = []
    unconverted = 0
    with store.read() as conn:
        links = load_hierarchy(conn)
        roots = roots_of(links)
        for key, account, decision in _rows(conn):
            currency = decision.get("currency") or policy.base_currency
            rate = Decimal(1) if currency == policy.base_currency else rates.get(currency)
            if rate is None:
                unconverted += 1
                continue
            positions.append(
                Position(key, roots.get(key, key), account.industry, account.country,
                         Decimal(decision["exposure"]) * rate, Decimal(decision["credit_limit"]) * rate)
            )  # fmt: skip
    return concentration(positions, policy.concentration.max_share, policy.portfolio_budget), unconverted
