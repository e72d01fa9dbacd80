"""Read-only views of the store for `status`, `account` and the admin pages (DESIGN §4 JSON shapes)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import OBJECT_KINDS
from connectors.errors import ConfigError
from credit_core.metrics import aging_buckets
from sync.config import AppConfig
from sync.store import Store
from sync.store import decisions as saved
from sync.store.bundles import load_bundles
from sync.store.outbox import STATES, count_by_state
from sync.store.quarantine import count_quarantined
from sync.store.schema import accounts, runs
from sync.store.state import last_run, load_watermarks
from sync.store.usage import StoreUsageLedger


def status(config: AppConfig, store: Store, now: datetime) -> dict[str, Any]:
    """`status --json`: per source its last run, watermarks, API usage, outbox by state, quarantine count."""
    ledger = StoreUsageLedger(store.engine)
    sources: dict[str, Any] = {}
    with store.read() as conn:
        for name, settings in config.sources.items():
            marks = load_watermarks(conn, name)
            objects = {kind: m.object for kind in OBJECT_KINDS if (m := settings.mapping(kind)) is not None}
            outbox = dict.fromkeys(STATES, 0) | count_by_state(conn, name)
            sources[name] = {
                "kind": settings.kind,
                "last_run": last_run(conn, name),
                "watermarks": {objects[k]: marks[k].isoformat() for k in objects if k in marks},
                "api": _api(conn, name, settings.api_daily_limit, ledger, now),
                "outbox": outbox,
                "quarantine": count_quarantined(conn, name),
            }
    return {"sources": sources}


def _api(conn: Connection, source: str, daily_limit: int, ledger: StoreUsageLedger, now: datetime) -> dict[str, Any]:
    """Counted calls over 24 h where the CRM reports none (Zoho, Fxiaoke), else the last reported usage."""
    if daily_limit:
        return {"used": ledger.calls_since(source, now - timedelta(hours=24)), "limit": daily_limit}
    row = conn.execute(
        sa.select(runs.c.details)
        .where(runs.c.source == source, runs.c.finished_at.is_not(None))
        .order_by(runs.c.id.desc())
    ).first()
    usage = json.loads(row.details).get("api") if row else None
    return {"used": usage.get("used") if usage else None, "limit": usage.get("limit") if usage else None}


def find_source(conn: Connection, config: AppConfig, crm_id: str, source: str | None) -> str:
    """The source holding an account: the given one, or the only one that has it."""
    if source is not None:
        config.source(source)
        return source
    found = list(conn.execute(sa.select(accounts.c.source).where(accounts.c.crm_id == crm_id)).scalars())
    if len(found) == 1:
        return str(found[0])
    if not found:
        raise ConfigError(f"no account {crm_id!r} in the store")
    raise ConfigError(f"account {crm_id!r} exists in several sources ({', '.join(found)}): pass --source")


def account_view(config: AppConfig, store: Store, crm_id: str, source: str | None, as_of: datetime) -> dict[str, Any]:
    """`account --json`: the Decision (money as strings) plus source, crm_id, name, aging and history."""
    with store.read() as conn:
        source = find_source(conn, config, crm_id, source)
        key = (source, crm_id)
        bundles = load_bundles(conn, [key])
        if not bundles:
            raise ConfigError(f"no account {crm_id!r} in source {source!r}")
        decision = saved.load_current(conn, [key]).get(key)
        history = saved.load_history(conn, key)
    bundle = bundles[0]
    open_items = [i for i in bundle.invoices if i.status == "open" and i.balance]
    aging = {bucket: _money(amount) for bucket, amount in aging_buckets(open_items, as_of.date()).items()}
    view: dict[str, Any] = dict(decision or {})
    view.update({"source": source, "crm_id": crm_id, "name": bundle.account.name, "aging": aging})
    view["history"] = history
    return view


def _money(amount: Any) -> str:
    return str(amount) if isinstance(amount, Decimal) else str(Decimal(str(amount)))


def recalculations(store: Store, trigger: str = "webhook", after_run: int = 0) -> Counter[tuple[str, str]]:
    """How often each account was re-evaluated by keyed runs with this trigger (after run id `after_run`)."""
    counts: Counter[tuple[str, str]] = Counter()
    query = sa.select(runs.c.details).where(runs.c.command == "evaluate", runs.c.id > after_run)
    with store.read() as conn:
        for details in conn.execute(query).scalars():
            data = json.loads(details)
            if data.get("trigger") == trigger:
                counts.update((source, crm_id) for source, crm_id in data.get("accounts") or [])
    return counts
