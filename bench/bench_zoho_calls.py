"""Count the Zoho API calls of real syncs against the Zoho sandbox (issue 5 "Done when").

Against 5,000 accounts / ~47,000 invoices, through the real SyncEngine over HTTPS:
  1. a first full sync (one 503 injected on a write-back PUT, so a retry is counted),
  2. an unchanged re-run (must send 0 writes),
  3. a re-run after users paid invoices, with every access token revoked mid-run.
Prints list pages (all of 200 rows; how many went by page_token), PUT calls against the bound
⌈changed / 100⌉ + 2 (retries included), credits, token refreshes and wall time. Exit 1 when a bound fails.

    python -m bench.bench_zoho_calls [--accounts 5000] [--paid 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import WritebackMapping
from connectors.writeback_specs import specs_for
from connectors.zoho.connector import ZohoConnector
from sandbox.faults import Fault
from sandbox.zoho import ZohoSandbox
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store

SOURCE = "zoho"
WRITEBACK = {"credit_limit": "Credit_Limit", "available_credit": "Available_Credit", "score": "Credit_Score",
             "grade": "Credit_Grade", "status": "Credit_Status", "flags": "Credit_Flags",
             "next_review_on": "Credit_Next_Review"}  # fmt: skip


def source_table(box: ZohoSandbox) -> dict[str, Any]:
    """Accounts, Invoices and Sales_Orders of the sandbox org, and the credit fields on Accounts."""
    invoice_status = {"Created": "open", "Approved": "open", "Delivered": "open", "Paid": "paid",
                      "Cancelled": "void", "Credit Note": "credit_note"}  # fmt: skip
    order_status = {"Created": "open", "Approved": "open", "Delivered": "invoiced", "Cancelled": "cancelled"}
    return {
        "kind": "zoho", "api_domain": box.url, "accounts_url": box.url, "ca_bundle": str(box.ca_pem),
        "api_daily_limit": 5_000_000, "api_budget_share": 0.5,
        "auth": {"client_id": box.client_id, "client_secret": box.client_secret, "refresh_token": box.refresh_token},
        "accounts": {"object": "Accounts", "fields": {
            "name": "Account_Name", "industry": "Industry", "country": "Billing_Country", "currency": "Currency",
            "annual_revenue": "Annual_Revenue", "employees": "Employees", "parent_crm_id": "Parent_Account"}},
        "invoices": {"object": "Invoices", "fields": {
            "account_crm_id": "Account_Name", "number": "Invoice_Number", "issued_on": "Invoice_Date",
            "due_on": "Due_Date", "amount": "Grand_Total", "balance": "Balance_Due", "paid_on": "Paid_On",
            "currency": "Currency", "status": "Status"}, "transforms": {"status": {"map": invoice_status}}},
        "orders": {"object": "Sales_Orders", "fields": {
            "account_crm_id": "Account_Name", "amount": "Grand_Total", "uninvoiced_amount": "Uninvoiced_Amount",
            "currency": "Currency", "status": "Status"}, "transforms": {"status": {"map": order_status}}},
        "writeback": {"object": "Accounts", "fields": WRITEBACK},
    }  # fmt: skip


class Bench:
    """One sandbox, one store, and a fresh engine per run (as separate processes would be)."""

    def __init__(self, accounts: int, folder: Path) -> None:
        started = time.perf_counter()
        self.box = ZohoSandbox(accounts=accounts, seed=7, tls_dir=folder / "tls").start()
        self.seed_s = time.perf_counter() - started
        self.store = Store.open(f"sqlite:///{folder / 'bench.db'}")
        self.config = AppConfig.model_validate(
            {"store": {"url": "sqlite://"}, "sources": {SOURCE: source_table(self.box)}}
        )

    def setup_fields(self) -> None:
        """`crm-credit setup-fields`: the credit fields, created through the connector."""
        engine = SyncEngine(self.config, self.store, sleep=lambda s: None)
        engine.connector(SOURCE).create_fields(specs_for(WritebackMapping(object="Accounts", fields=WRITEBACK)))
        engine.close()

    def run(self, name: str, revoke_mid_run: bool = False) -> dict[str, Any]:
        """One `crm-credit sync` and its call counts."""
        puts, credits = self.box.calls.count("PUT", "/crm/v8/Accounts"), self.box.credits_used
        revoked: list[int] = []

        def progress(source: str, kind: str, n: int) -> None:
            if revoke_mid_run and not revoked:
                self.box.revoke_token()
                revoked.append(n)

        engine = SyncEngine(self.config, self.store, sleep=lambda s: None, progress=progress)
        started = time.perf_counter()
        report = engine.sync([SOURCE]).sources[SOURCE]
        elapsed = time.perf_counter() - started
        connector = engine.connector(SOURCE)
        assert isinstance(connector, ZohoConnector)
        sent = report.push.sent if report.push else 0
        put_calls = self.box.calls.count("PUT", "/crm/v8/Accounts") - puts
        result = {
            "run": name, "outcome": report.outcome, "seconds": round(elapsed, 2),
            "rows_read": {o.kind: o.read for o in report.objects},
            "list_pages": {k: w.stats.pages for k, w in connector.walks.items()},
            "token_pages": {k: w.stats.token_pages for k, w in connector.walks.items()},
            "accounts_written": sent, "put_calls": put_calls, "put_bound": math.ceil(sent / 100) + 2,
            "credits": self.box.credits_used - credits, "token_refreshes": connector.token_refreshes(),
            "revoked_mid_run": bool(revoked),
        }  # fmt: skip
        engine.close()
        return result

    def pay_invoices(self, count: int) -> int:
        """Users record full payment of `count` open invoices; returns how many accounts they touch."""
        today = datetime.now(UTC).date().isoformat()
        accounts: set[str] = set()
        for invoice_id in self.box.ids("Invoices"):
            if len(accounts) >= count:
                break
            row = self.box.get_record("Invoices", invoice_id) or {}
            if row.get("Status") == "Delivered" and (row.get("Balance_Due") or 0) > 0:
                account = row["Account_Name"]["id"]
                if account not in accounts:
                    self.box.update_record("Invoices", invoice_id, {"Balance_Due": 0.0, "Status": "Paid",
                                                                    "Paid_On": today})  # fmt: skip
                    accounts.add(account)
        return len(accounts)

    def close(self) -> None:
        self.store.close()
        self.box.stop()


def checks(runs: list[dict[str, Any]]) -> list[str]:
    """The issue's bounds, one failure line each."""
    failures = []
    for run in runs:
        if run["outcome"] != "ok":
            failures.append(f"{run['run']}: outcome {run['outcome']}")
        if run["put_calls"] > run["put_bound"]:
            failures.append(f"{run['run']}: {run['put_calls']} PUT calls > bound {run['put_bound']}")
    first, unchanged = runs[0], runs[1]
    if first["token_pages"].get("invoice", 0) == 0:
        failures.append("the first run never paged invoices past 2,000 rows with page_token")
    if unchanged["put_calls"] != 0:
        failures.append(f"unchanged re-run sent {unchanged['put_calls']} PUT calls")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run the three syncs and print their counts."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--paid", type=int, default=300, help="invoices (of distinct accounts) paid before run 3")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(args.accounts, Path(tmp))
        try:
            bench.setup_fields()
            bench.box.faults.add(Fault(503, times=1, path="/crm/v8/Accounts", method="PUT"))
            runs = [bench.run("first full sync (one 503 on a PUT)"), bench.run("unchanged re-run")]
            touched = bench.pay_invoices(args.paid)
            runs.append(bench.run(f"after {touched} accounts' invoices were paid, token revoked mid-run", True))
            counts = dict(bench.box.counts)
        finally:
            bench.close()
    failures = checks(runs)
    if args.json:
        print(json.dumps({"org": counts, "seed_s": round(bench.seed_s, 2), "runs": runs, "failures": failures}))
    else:
        print(f"Zoho sandbox: {counts} (seeded in {bench.seed_s:.1f} s)")
        for run in runs:
            print(f"\n{run['run']}: {run['outcome']} in {run['seconds']} s")
            print(f"  rows read {run['rows_read']}")
            print(f"  list pages of 200 {run['list_pages']}, of which by page_token {run['token_pages']}")
            print(f"  accounts written {run['accounts_written']}: {run['put_calls']} PUT calls "
                  f"(bound ⌈changed/100⌉+2 = {run['put_bound']})")  # fmt: skip
            print(f"  credits {run['credits']}, token refreshes {run['token_refreshes']}")
        print("\nall bounds hold" if not failures else "\nFAILED:\n  " + "\n  ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
