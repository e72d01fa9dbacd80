"""Gather and send the credit digest once per period (`[alerts]`): new flags, holds, credit usage.

What changed comes from the audit log's decision rows of the period (before and after); holds and
usage from the current decisions. The period's row in `digests` is written in the same transaction
as the mail is sent, so a failed send is retried by the next run and a re-run never sends twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.errors import ConfigError
from credit_core.digest import Digest, Line, Period, Window, render, subject, window
from sync.config import AppConfig
from sync.mailer import send_mail
from sync.store import Store
from sync.store import alerts as stored
from sync.store.codec import decode_record, to_stamp
from sync.store.schema import accounts, audit, decisions

Sender = Callable[[str, str, list[str], str, str], None]  # smtp_url, from, to, subject, body


def _stamp(day: Any) -> str:
    return to_stamp(datetime.combine(day, time(0), tzinfo=UTC))


def _line(source: str, crm_id: str, payload: dict[str, Any], name: str | None) -> Line:
    used = payload.get("utilization")
    return Line(source, crm_id, name, payload["status"], tuple(payload.get("flags") or ()),
                Decimal(payload["exposure"]), Decimal(payload["credit_limit"]), payload["currency"],
                Decimal(used) if used is not None else None, Decimal(payload.get("overdue_amount") or 0))  # fmt: skip


def _names(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    found: dict[tuple[str, str], str | None] = {}
    for source in {k[0] for k in keys}:
        ids = [k[1] for k in keys if k[0] == source]
        query = sa.select(accounts.c.crm_id, accounts.c.payload).where(
            accounts.c.source == source, accounts.c.crm_id.in_(ids)
        )
        for row in conn.execute(query):
            found[(source, row.crm_id)] = decode_record("account", source, row.crm_id, row.payload).name
    return found


def gather(conn: Connection, span: Window) -> Digest:
    """The digest of one period, from the audit log and the current decisions."""
    digest = Digest(span)
    changes = sa.select(audit.c.source, audit.c.crm_id, audit.c.before, audit.c.after).where(
        audit.c.event == "decision", audit.c.at >= _stamp(span.start), audit.c.at < _stamp(span.end)
    )
    added: dict[tuple[str, str], set[str]] = {}
    held: set[tuple[str, str]] = set()
    for row in conn.execute(changes.order_by(audit.c.id)):
        before, after = json.loads(row.before) if row.before else None, json.loads(row.after)
        if before is None:
            continue  # a first decision is the baseline (it shows under "on hold now" if it is one)
        key = (row.source, row.crm_id)
        added.setdefault(key, set()).update(set(after["flags"]) - set(before["flags"]))
        if after["status"] == "HOLD" and before["status"] != "HOLD":
            held.add(key)
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for now_row in conn.execute(sa.select(decisions.c.source, decisions.c.crm_id, decisions.c.payload)):
        current[(now_row.source, now_row.crm_id)] = json.loads(now_row.payload)
    holds = {k for k, p in current.items() if p["status"] == "HOLD"}
    used = sorted((k for k, p in current.items() if p.get("utilization") is not None),
                  key=lambda k: -Decimal(current[k]["utilization"]))[:10]  # fmt: skip
    listed = {k for k, f in added.items() if f} | held | holds | set(used)
    names = _names(conn, listed & set(current))
    line = {k: _line(k[0], k[1], current[k], names.get(k)) for k in listed if k in current}
    digest.new_flags = [(line[k], tuple(sorted(f))) for k, f in sorted(added.items()) if f and k in line]
    digest.new_holds = [line[k] for k in sorted(held) if k in line and current[k]["status"] == "HOLD"]
    digest.holds = sorted((line[k] for k in holds), key=lambda ln: -ln.exposure)
    digest.most_used = [line[k] for k in used]
    for payload in current.values():
        exposure, limits = digest.usage.get(payload["currency"], (Decimal(0), Decimal(0)))
        digest.usage[payload["currency"]] = (exposure + Decimal(payload["exposure"]),
                                             limits + Decimal(payload["credit_limit"]))  # fmt: skip
    return digest


def send_digest(
    config: AppConfig, store: Store, period: Period, clock: Callable[[], datetime], sender: Sender | None = None
) -> Digest | None:
    """Send this period's digest unless it went out already (then None)."""
    alerts = config.alerts
    url = alerts.smtp_url.get_secret_value()
    if not url or not alerts.to:
        raise ConfigError("[alerts] needs smtp_url and to before a digest can be sent")
    now = clock()
    span = window(period, now.date())
    with store.read() as conn:
        if stored.digest_sent(conn, span.key):
            return None
        digest = gather(conn, span)
    with store.write() as conn:
        if not stored.claim_digest(conn, span.key, alerts.to, digest.summary(), now):
            return None  # another process sent it meanwhile
        (sender or send_mail)(url, alerts.sender, list(alerts.to), subject(digest), render(digest))
    return digest
