"""The demo's live change: a customer pays an overdue invoice in Salesforce, and its credit fields follow.

Salesforce sends an Outbound Message for the invoice change to the receiver, which queues it; the
worker fetches the invoice, re-evaluates the account and writes the new values back. Before and after
are read from the account record through the Salesforce API, as a rep's screen would show them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Connection

from cli.demo_sources import DemoSource
from connectors.base import ConnectorContext
from connectors.registry import make_connector
from credit_core.models import Invoice
from sync.config import AppConfig
from sync.store import Store
from sync.store import decisions as saved
from sync.store.bundles import load_bundles
from sync.store.schema import decisions

SHOWN = ("credit_limit", "available_credit", "status", "grade", "score", "flags", "reasons")
WAIT_S = 30.0


@dataclass(frozen=True)
class Choice:
    """The invoice the demo pays, and its account."""

    account_id: str
    name: str
    invoice: Invoice
    days_past_due: int


def _score(decision: dict[str, Any], invoices: list[Invoice], today: date) -> tuple[int, Invoice] | None:
    """How good a story paying this account's oldest overdue invoice tells (higher is better)."""
    overdue = sorted((i for i in invoices if i.status == "open" and i.balance and i.due_on < today),
                     key=lambda i: i.due_on)  # fmt: skip
    if not overdue:
        return None
    oldest = overdue[0]
    exposure, limit = Decimal(decision["exposure"]), Decimal(decision["credit_limit"])
    points = 4 if len(overdue) == 1 else 0  # paying it clears every PAST_DUE flag
    points += 2 if limit > 0 and exposure - (oldest.balance or 0) <= limit else 0  # and brings it under its limit
    points += 1 if decision["grade"] in ("A", "B", "C") else 0
    return points, oldest


def choose_invoice(store: Store, source: str, today: date) -> Choice:
    """An account on HOLD or WATCH for lateness whose oldest overdue invoice, once paid, changes the most."""
    with store.read() as conn:
        keys = [(source, crm_id) for crm_id in _late_accounts(conn, source)]
        current = saved.load_current(conn, keys)
        bundles = load_bundles(conn, keys[:2000])
    best: tuple[int, Choice] | None = None
    for bundle in bundles:
        scored = _score(current[bundle.key], bundle.invoices, today)
        if scored is None:
            continue
        points, invoice = scored
        choice = Choice(bundle.account.crm_id, bundle.account.name or "", invoice, (today - invoice.due_on).days)
        if best is None or points > best[0]:
            best = (points, choice)
    if best is None:
        raise LookupError("no account with an overdue invoice in the sandbox")
    return best[1]


def _late_accounts(conn: Connection, source: str) -> list[str]:
    query = sa.select(decisions.c.crm_id, decisions.c.payload).where(decisions.c.source == source)
    late = []
    for row in conn.execute(query):
        payload = json.loads(row.payload)
        if payload["status"] != "OK" and any(f.startswith("PAST_DUE") for f in payload.get("flags") or []):
            late.append(row.crm_id)
    return sorted(late)


def _read_back(config: AppConfig, source: str, account_id: str) -> dict[str, Any]:
    """The account's credit fields as the CRM holds them (one API read), by Decision key."""
    settings = config.source(source)
    assert settings.writeback is not None
    connector = make_connector(source, settings, ConnectorContext(source))
    try:
        values = connector.fetch_written_values([account_id]).get(account_id, {})
    finally:
        connector.close()
    return {key: values.get(crm_field) for key, crm_field in settings.writeback.fields.items() if key in SHOWN}


def run_change(
    config: AppConfig, store: Store, salesforce: DemoSource, receiver_url: str, say: Callable[[str], None], out: Console
) -> dict[str, Any]:
    """Pay the chosen invoice in the org and wait until the account's record shows new credit values."""
    box, source = salesforce.box, salesforce.name
    today = datetime.now(UTC).date()
    choice = choose_invoice(store, source, today)
    endpoint = f"{receiver_url}/webhooks/salesforce/outbound/{source}"
    box.add_outbound_rule("Invoice__c", ["Id", "Account__c", "Status__c", "Balance__c"], endpoint, name="crm-credit")
    before = _read_back(config, source, choice.account_id)
    amount = f"{choice.invoice.currency} {choice.invoice.balance:,.2f}"
    number = choice.invoice.number or choice.invoice.crm_id
    say(f"{choice.name} pays invoice {number} ({amount}, {choice.days_past_due} days past due) in Salesforce; "
        "an Outbound Message rule sends the change to serve")  # fmt: skip
    started = time.perf_counter()
    box.update_record("Invoice__c", choice.invoice.crm_id, {"Balance__c": 0, "Status__c": "Paid", "Paid_On__c": today})
    after = before
    while time.perf_counter() - started < WAIT_S:
        time.sleep(0.2)
        after = _read_back(config, source, choice.account_id)
        if after != before:
            break
    seconds = round(time.perf_counter() - started, 2)
    changed = after != before
    out.print(change_table(choice, before, after, seconds if changed else None))
    return {"account": choice.account_id, "name": choice.name, "invoice": choice.invoice.crm_id,
            "before": before, "after": after, "changed": changed, "seconds": seconds}  # fmt: skip


def change_table(choice: Choice, before: dict[str, Any], after: dict[str, Any], seconds: float | None) -> Table:
    """Before → after of the account's credit fields, as read from the CRM record."""
    when = f"{seconds:.1f} s after the payment" if seconds is not None else "no change seen"
    table = Table(title=f"{choice.name}: the Salesforce account record, {when}", title_justify="left")
    table.add_column("field")
    table.add_column("before")
    table.add_column("after")
    for key in SHOWN:
        if key in before or key in after:
            old, new = escape(_shown(before.get(key))), escape(_shown(after.get(key)))
            table.add_row(key, old, new if new == old else f"[bold]{new}[/]")
    return table


def _shown(value: Any) -> str:
    if isinstance(value, Decimal | float):
        return f"{Decimal(str(value)):,.0f}"
    if isinstance(value, str) and "\n" in value:
        # The reasons field: the lines that move the score (neutral "no data" lines are left out here).
        return "\n".join(line for line in value.splitlines() if not line.endswith("(0)"))
    return "" if value is None else str(value)
