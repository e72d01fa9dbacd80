"""Dunning notice drafts for every customer with overdue invoices, from the store (no CRM calls)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from connectors.errors import ConfigError
from credit_core.alerts import with_reviews
from credit_core.audit import decision_from_dict
from credit_core.dunning import NoticeDraft, notice_drafts
from credit_core.errors import CreditCoreError
from credit_core.models import Decision
from credit_core.policy import load_policy
from sync.config import AppConfig
from sync.store import Store
from sync.store import alerts as stored
from sync.store.bundles import Key, load_bundles
from sync.store.records import chunks
from sync.store.schema import decisions

_CHUNK = 500


def _dunned(store: Store, source: str | None) -> dict[Key, Decision]:
    """Current decisions that have reached a dunning stage."""
    query = sa.select(decisions.c.source, decisions.c.crm_id, decisions.c.payload).order_by(
        decisions.c.source, decisions.c.crm_id
    )
    if source is not None:
        query = query.where(decisions.c.source == source)
    found = {}
    with store.read() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
            payload = json.loads(row.payload)
            if payload.get("dunning_stage"):
                found[(row.source, row.crm_id)] = decision_from_dict(payload)
    return found


def drafts(config: AppConfig, store: Store, as_of: date, source: str | None = None) -> Iterator[NoticeDraft]:
    """Every notice a rep could send today, by customer then stage; a promise to pay caps the stage."""
    try:
        policy = load_policy(config.policy.path())
    except (CreditCoreError, OSError) as error:
        raise ConfigError(f"policy: {error}") from None
    if source is not None:
        config.source(source)
    current = _dunned(store, source)
    for keys in chunks(list(current), _CHUNK):
        with store.read() as conn:
            bundles = load_bundles(conn, list(keys))
            reviews = stored.load_reviews(conn, keys)
        for bundle in bundles:
            account = bundle.account
            if bundle.key in reviews:
                found = reviews[bundle.key]
                account = with_reviews(account, [r.reviewed_on for r in found], [r.promise_to_pay_on for r in found])
            yield from notice_drafts(account, bundle.invoices, current[bundle.key], policy.dunning, as_of)
