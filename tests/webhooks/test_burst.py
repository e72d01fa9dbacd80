"""A burst of invoice changes, each notified at once, sent faster than the worker drains them.

Every change is made in the CRM and then notified through the signed generic webhook. Merging while
queued must keep recalculations to a handful per account, and every account must end with exactly
the values a full evaluation gives (a later full sync finds nothing to write).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from sync.status import recalculations
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.webhooks.live import SECRET, backend, live
from tests.webhooks.test_end_to_end import BACKENDS, config_data, first_sync, nothing_left_to_write
from webhooks.signature import sign

CRM_LATENCY_S = 0.02  # per CRM call, as a remote CRM answers: the worker cannot keep up with the sender
SHARES = (Decimal("0.9"), Decimal("0.5"), Decimal("0.2"), Decimal("1"))  # of the amount still open


class Peak:
    """Samples the queue length in a thread while the burst is sent."""

    def __init__(self, pending: Callable[[], int]) -> None:
        self.pending = pending
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.pending())

    def stop(self) -> int:
        """The longest queue seen."""
        self._stop.set()
        self._thread.join()
        return max(self.peak, self.pending())


def open_invoices_by_account(org: SalesforceHarness, accounts: int) -> dict[str, list[tuple[str, Decimal]]]:
    """(invoice id, amount) of open invoices, for `accounts` accounts that have some."""
    rows = org.box.query("SELECT Id, Account__c, Amount__c FROM Invoice__c WHERE Status__c = 'Open' AND Balance__c > 0")
    found: dict[str, list[tuple[str, Decimal]]] = {}
    for row in rows:
        found.setdefault(str(row["Account__c"]), []).append((str(row["Id"]), Decimal(str(row["Amount__c"]))))
    chosen = sorted(found)[:accounts]
    assert len(chosen) == accounts, f"the sandbox has only {len(found)} accounts with open invoices"
    return {a: found[a] for a in chosen}


def burst(org: SalesforceHarness, url: str, notifications: int, accounts: int) -> float:
    """Change an invoice and notify it, `notifications` times over `accounts` accounts; return seconds taken."""
    invoices = open_invoices_by_account(org, accounts)
    plan = []
    repeats: Counter[str] = Counter()
    for n in range(notifications):
        account = sorted(invoices)[n % accounts]
        invoice_id, amount = invoices[account][(n // accounts) % len(invoices[account])]
        balance = (amount * SHARES[n % len(SHARES)]).quantize(Decimal("0.01"))
        # A signature is accepted once, and the body names only the record: a sender notifying one record
        # several times within a second tells the notifications apart by their (earlier) timestamps.
        plan.append((invoice_id, balance, repeats[invoice_id]))
        repeats[invoice_id] += 1
    assert max(repeats.values()) < 300

    base = int(time.time())
    session = requests.Session()
    session.trust_env = False
    adapter = requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=8)
    session.mount("http://", adapter)

    def change_and_notify(step: tuple[str, Decimal, int]) -> int:
        invoice_id, balance, repeat = step
        org.box.update_record("Invoice__c", invoice_id, {"Balance__c": balance})
        body = json.dumps({"object": "invoice", "ids": [invoice_id]}).encode()
        stamp = str(base - repeat)
        headers = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, body)}
        return session.post(f"{url}/webhooks/generic/sf", data=body, headers=headers, timeout=30).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = Counter(pool.map(change_and_notify, plan))
    session.close()
    assert statuses == {202: notifications}
    return time.monotonic() - started


def run_burst(
    tmp_path: Path, backend_name: str, notifications: int, accounts: int, capsys: pytest.CaptureFixture[str]
) -> None:
    org = SalesforceHarness(accounts=accounts * 3, seed=11)
    try:
        with backend(backend_name, tmp_path) as where:
            data = config_data(where, "sf", org.source_table())
            workers = 2 if where.name == "pg+redis" else 0
            with live(tmp_path, data, worker_processes=workers) as run:
                first_sync(run)
                org.box.faults.latency_s = CRM_LATENCY_S
                peak = Peak(run.jobs.pending)
                sent_s = burst(org, run.url, notifications, accounts)
                backlog = peak.stop()
                started = time.monotonic()
                run.wait_idle(timeout_s=600)
                drained_s = time.monotonic() - started
                counts = recalculations(run.store)
                total, most = sum(counts.values()), max(counts.values())
                with capsys.disabled():
                    print(f"\n[{backend_name}] {notifications} notifications for {accounts} accounts sent in "
                          f"{sent_s:.1f} s (queue peaked at {backlog} jobs), drained {drained_s:.1f} s later: "
                          f"{total} recalculations, at most {most} per account "
                          f"(goal ≤ 5, ≤ {5 * accounts} in all)")  # fmt: skip
                assert backlog >= 10, "the worker kept up: this was not a burst"
                assert most <= 5 and total <= 5 * accounts
                nothing_left_to_write(run)
    finally:
        org.close()


def test_a_burst_of_200_notifications_for_10_accounts_stays_within_5_recalculations_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_burst(tmp_path, "sqlite", 200, 10, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_burst_of_1000_notifications_for_50_accounts_stays_within_5_recalculations_each(
    tmp_path: Path, backend_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_burst(tmp_path, backend_name, 1000, 50, capsys)
