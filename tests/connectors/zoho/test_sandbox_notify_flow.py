"""A Zoho notification, as the sandbox delivers it, through the engine's worker steps to new values in Zoho.

The webhook service (verify, dedupe, queue) is another issue; here the test plays it: it hands the
callback body to `parse_notification`, then drives `SyncEngine.fetch_changes` and `recalculate` as the
worker will. Our own write-back comes back as a notification too, and must cause no second write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.sandbox.zoho.conftest import Receiver

SOURCE = "zoho"


@pytest.fixture
def harness() -> Iterator[ZohoHarness]:
    crm = ZohoHarness(accounts=12, seed=9)
    yield crm
    crm.close()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def _callback(hook: Receiver, number: int) -> bytes:
    """The `number`-th callback the receiver got (1-based), once it arrived."""
    return json.dumps(hook.wait(number)[number - 1]).encode()


def _worker_step(engine: SyncEngine, body: bytes) -> set[str]:
    """What the queue worker does with one verified callback: fetch by id, then recalculate what changed."""
    note = engine.connector(SOURCE).parse_notification(body, {})
    accounts: set[str] = set()
    for kind in {c.kind for c in note.changes}:
        ids = [c.crm_id for c in note.changes if c.kind == kind]
        accounts |= engine.fetch_changes(SOURCE, kind, ids)
    if accounts:
        engine.recalculate(SOURCE, accounts)
    return accounts


def test_a_paid_invoice_notified_by_zoho_changes_the_accounts_credit_fields(
    harness: ZohoHarness, hook: Receiver, tmp_path: Path
) -> None:
    table: dict[str, Any] = harness.source_table()
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    engine = SyncEngine(AppConfig.model_validate({"sources": {SOURCE: table}}), store, sleep=lambda s: None)
    try:
        assert engine.sync([SOURCE]).sources[SOURCE].outcome == "ok"
        engine.connector(SOURCE).enable_notifications(hook.url)  # type: ignore[attr-defined]
        invoice_id, account_id = harness.open_invoice()
        before = harness.written(account_id)
        harness.pay_invoice(invoice_id)
        paid = _callback(hook, 1)
        assert json.loads(paid)["module"] == "Invoices"

        assert _worker_step(engine, paid) == {account_id}
        after = harness.written(account_id)
        assert after["Credit_Limit"] == before["Credit_Limit"]
        assert after["Available_Credit"] > before["Available_Credit"]  # the paid balance is no longer exposure

        puts = harness.write_calls()
        echo = _callback(hook, 2)  # Zoho notifies our own write-back as an Accounts update
        assert json.loads(echo)["module"] == "Accounts" and json.loads(echo)["ids"] == [account_id]
        assert _worker_step(engine, echo) == set()
        assert harness.write_calls() == puts
        assert len(hook.bodies) == 2  # no related-action echoes: each mapped module is watched itself
    finally:
        engine.close()
        store.close()
