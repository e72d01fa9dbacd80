"""CRM change → notification → `serve` → queue → worker → new credit fields in the CRM, on both backends.

SQLite + SqliteHuey runs the worker inside `serve`; PostgreSQL + Redis runs two `crm-credit worker`
processes beside it. Our own write-back comes back as a notification too and must not loop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sync.engine import SyncEngine
from sync.store import Store
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.webhooks.live import SECRET, TOKEN, Backend, Live, backend, live
from webhooks.signature import sign

BACKENDS = ["sqlite", pytest.param("pg+redis", marks=[pytest.mark.postgres, pytest.mark.redis])]


@pytest.fixture
def salesforce() -> Iterator[SalesforceHarness]:
    org = SalesforceHarness(accounts=12, seed=5)
    yield org
    org.close()


def config_data(where: Backend, source: str, table: dict[str, Any]) -> dict[str, Any]:
    """A config for one source over this backend, with a generic secret and one user."""
    return {
        "store": {"url": where.store_url},
        "queue": {"url": where.queue_url, "sync_interval_s": 86_400},
        "webhooks": {"secret": SECRET},
        "users": {"ops@example.com": TOKEN},
        "sources": {source: table},
    }


def first_sync(run: Live) -> None:
    """`crm-credit sync` before any webhook: the store holds the portfolio, the CRM its credit fields."""
    engine = SyncEngine(run.config, run.store, sleep=lambda s: None)
    try:
        assert all(r.outcome == "ok" for r in engine.sync().sources.values())
    finally:
        engine.close()


def nothing_left_to_write(run: Live) -> None:
    """A later full sync (fresh pull, full evaluation) finds every account's values already right."""
    engine = SyncEngine(run.config, Store(run.store.engine), sleep=lambda s: None)
    try:
        report = engine.sync(full=True)
        assert all(r.push is not None and r.push.sent == 0 for r in report.sources.values())
    finally:
        engine.close()


def wait_until(condition: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Poll `condition` until true; the timeout is generous because the test machine may be loaded."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _workers(where: Backend) -> int:
    return 2 if where.name == "pg+redis" else 0


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_an_outbound_message_for_a_paid_invoice_rewrites_the_accounts_credit_fields(
    salesforce: SalesforceHarness, tmp_path: Path, backend_name: str
) -> None:
    with backend(backend_name, tmp_path) as where:
        data = config_data(where, "sf", salesforce.source_table())
        with live(tmp_path, data, worker_processes=_workers(where)) as run:
            first_sync(run)
            hook = f"{run.url}/webhooks/salesforce/outbound/sf"
            salesforce.box.add_outbound_rule("Invoice__c", ["Id", "Account__c", "Balance__c"], hook)
            salesforce.box.add_outbound_rule("Account", ["Id", "Name"], hook)  # our write-back comes back here
            run.wait_for_org_ids()
            invoice_id, account_id = salesforce.open_invoice()
            before = salesforce.written(account_id)
            salesforce.pay_invoice(invoice_id)

            wait_until(lambda: salesforce.written(account_id) != before)
            after = salesforce.written(account_id)
            assert after["Available_Credit__c"] > before["Available_Credit__c"]
            assert salesforce.box.wait_for_outbound(120)
            run.wait_idle()
            deliveries = salesforce.box.outbound_deliveries
            assert deliveries and all(d.acked for d in deliveries)
            assert {d.record_ids[0][:3] for d in deliveries} == {"001", invoice_id[:3]}  # the echo arrived, too
            assert salesforce.write_calls() == 1 + 1  # the first sync's, then exactly one: the echo changed nothing
            nothing_left_to_write(run)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_signed_generic_webhook_rewrites_the_accounts_credit_fields(
    salesforce: SalesforceHarness, tmp_path: Path, backend_name: str
) -> None:
    with backend(backend_name, tmp_path) as where:
        data = config_data(where, "sf", salesforce.source_table())
        with live(tmp_path, data, worker_processes=_workers(where)) as run:
            first_sync(run)
            invoice_id, account_id = salesforce.open_invoice()
            before = salesforce.written(account_id)
            salesforce.pay_invoice(invoice_id)
            body = json.dumps({"object": "invoice", "ids": [invoice_id]}).encode()
            stamp = str(int(time.time()))
            headers = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, body)}
            with requests.Session() as http:
                http.trust_env = False
                answer = http.post(f"{run.url}/webhooks/generic/sf", data=body, headers=headers, timeout=10)
            assert answer.status_code == 202, answer.text
            wait_until(lambda: salesforce.written(account_id) != before)
            run.wait_idle()
            assert salesforce.written(account_id)["Available_Credit__c"] > before["Available_Credit__c"]
            nothing_left_to_write(run)


@pytest.fixture
def zoho() -> Iterator[ZohoHarness]:
    org = ZohoHarness(accounts=12, seed=9)
    yield org
    org.close()


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_zoho_callback_on_a_channel_serve_opened_rewrites_the_accounts_credit_fields(
    zoho: ZohoHarness, tmp_path: Path, backend_name: str
) -> None:
    with backend(backend_name, tmp_path) as where:
        data = config_data(where, "zoho", zoho.source_table())
        with live(tmp_path, data, worker_processes=_workers(where)) as run:
            first_sync(run)
            run.jobs.submit_channel_renewal()  # what `serve` does at start: no channel yet, so one is opened
            run.wait_idle()
            invoice_id, account_id = zoho.open_invoice()
            before = zoho.written(account_id)
            puts = zoho.write_calls()
            zoho.pay_invoice(invoice_id)
            wait_until(lambda: zoho.written(account_id) != before)
            zoho.box.wait_for_deliveries(2, timeout=120)  # the payment, then our own write-back's echo
            run.wait_idle()
            assert zoho.written(account_id)["Available_Credit"] > before["Available_Credit"]
            assert all(d.status == 200 for d in zoho.box.deliveries)
            assert zoho.write_calls() == puts + 1
            nothing_left_to_write(run)
