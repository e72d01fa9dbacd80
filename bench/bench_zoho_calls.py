"""Count the Zoho API calls of real syncs against the Zoho sandbox (issue 5 "Done when").

Against 5,000 accounts / ~47,000 invoices, through the real SyncEngine over HTTPS:
  1. a first full sync (one 503 injected on a write-back PUT, so a retry is counted),
  2. an unchanged re-run (must send 0 writes),
  3. a re-run after users paid invoices, with every access token revoked mid-run.
Prints list pages (all of 200 rows; how many went by page_token), reads per module against the bound
data pages + 4, PUT calls against the bound ⌈changed / 100⌉ + 2 (retries included), credits, token
refreshes and wall time; then the same work done naively, one GET / PUT per record
(`bench.naive_calls`, measured on a sample and scaled), and ours vs naive. Exit 1 when a bound fails.

    python -m bench.bench_zoho_calls [--accounts 5000] [--paid 300] [--naive-sample 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import Figure
from bench.naive_calls import NaiveRun, naive_zoho
from connectors.base import WritebackMapping
from connectors.writeback_specs import specs_for
from connectors.zoho.connector import ZohoConnector
from sandbox.faults import Fault
from sandbox.zoho import ZohoSandbox
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store

SOURCE = "zoho"
MODULES = {"account": "Accounts", "invoice": "Invoices", "order": "Sales_Orders"}
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
        first_call = len(self.box.calls.calls)
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
        result.update(self._reads(first_call, result["list_pages"]))
        engine.close()
        return result

    def _reads(self, first_call: int, pages: dict[str, int]) -> dict[str, Any]:
        """Reads per module since call `first_call` (list and deleted pages, its share of the field
        metadata calls) against the bound data pages + 4, and every call of the run."""
        calls = self.box.calls.calls[first_call:]
        by_path = Counter(c.path for c in calls if c.method == "GET")
        metadata = by_path["/crm/v8/settings/fields"] / len(MODULES)
        reads = {}
        for kind, module in MODULES.items():
            count = by_path[f"/crm/v8/{module}"] + by_path[f"/crm/v8/{module}/deleted"] + metadata
            reads[module] = {"reads": count, "pages": pages.get(kind, 0), "overhead": count - pages.get(kind, 0)}
        return {"reads": reads, "api_calls": len(calls)}

    def naive(self, sample: int) -> NaiveRun:
        """The same work the naive way on this org: every record read, every credited account rewritten."""
        engine = SyncEngine(self.config, self.store, sleep=lambda s: None)
        connector = engine.connector(SOURCE)
        assert isinstance(connector, ZohoConnector)
        written = [
            a for a in self.box.ids("Accounts") if (self.box.get_record("Accounts", a) or {}).get("Credit_Grade")
        ]

        def payload(crm_id: str) -> dict[str, Any]:
            record = self.box.get_record("Accounts", crm_id) or {}
            return {field: _json(record.get(field)) for field in WRITEBACK.values()}

        try:
            return naive_zoho(connector.client, list(MODULES.values()), written, payload, sample)
        finally:
            engine.close()

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


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def checks(runs: list[dict[str, Any]]) -> list[str]:
    """The issue's bounds, one failure line each."""
    failures = []
    for run in runs:
        if run["outcome"] != "ok":
            failures.append(f"{run['run']}: outcome {run['outcome']}")
        if run["put_calls"] > run["put_bound"]:
            failures.append(f"{run['run']}: {run['put_calls']} PUT calls > bound {run['put_bound']}")
        for module, r in run["reads"].items():
            if r["overhead"] > 4:
                failures.append(f"{run['run']}: {module} {r['reads']} reads > {r['pages']} data pages + 4")
    first, unchanged = runs[0], runs[1]
    if first["token_pages"].get("invoice", 0) == 0:
        failures.append("the first run never paged invoices past 2,000 rows with page_token")
    if unchanged["put_calls"] != 0:
        failures.append(f"unchanged re-run sent {unchanged['put_calls']} PUT calls")
    return failures


def measure(accounts: int, paid: int, naive_sample: int) -> dict[str, Any]:
    """The three syncs and the naive baseline on one fresh org."""
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(accounts, Path(tmp))
        try:
            bench.setup_fields()
            bench.box.faults.add(Fault(503, times=1, path="/crm/v8/Accounts", method="PUT"))
            runs = [bench.run("first full sync (one 503 on a PUT)"), bench.run("unchanged re-run")]
            touched = bench.pay_invoices(paid)
            runs.append(bench.run(f"after {touched} accounts' invoices were paid, token revoked mid-run", True))
            counts = dict(bench.box.counts)
            naive = bench.naive(naive_sample)
        finally:
            bench.close()
    return {"org": counts, "seed_s": round(bench.seed_s, 2), "runs": runs, "failures": checks(runs), "naive": naive}


def naive_calls(naive: NaiveRun, run: dict[str, Any]) -> int:
    """The naive sync's calls for one of our runs: every record re-read, each changed account updated."""
    per_write = naive.write_calls / max(1, naive.written)
    return round(naive.listing_calls + naive.read_calls + per_write * run["accounts_written"])


def figures(quick: bool) -> list[Figure]:
    """P3 on Zoho for `bench.run_all`: read and write-back bounds, unchanged writes, naive ratio."""
    accounts, paid = (500, 50) if quick else (5000, 300)
    measured = measure(accounts, paid, 100 if quick else 300)
    runs, naive = measured["runs"], measured["naive"]
    first, unchanged, last = runs
    worst = max(
        ((run, module, r) for run in runs for module, r in run["reads"].items()), key=lambda t: t[2]["overhead"]
    )
    ours, theirs = first["api_calls"], naive_calls(naive, first)
    size = f"{accounts} accounts, {measured['org'].get('Invoices', '?')} invoices"
    return [
        Figure("P3.zoho.reads", "zoho: reads beyond data pages, worst module and run", worst[2]["overhead"], "calls",
               goal=4, ratio=worst[2]["overhead"] / 4,
               note=f"{worst[1]} in {worst[0]['run']}: {worst[2]['reads']:g} reads for {worst[2]['pages']} pages "
                    f"({size})"),
        Figure("P3.zoho.writes", "zoho: write-back calls, first sync (one 503 retried)", first["put_calls"], "calls",
               goal=first["put_bound"], ratio=first["put_calls"] / first["put_bound"],
               note=f"{first['accounts_written']} accounts changed; bound ⌈changed/100⌉ + 2"),
        Figure("P3.zoho.unchanged_writes", "zoho: writes of an unchanged re-run", unchanged["put_calls"], "calls",
               goal=0, note=f"{unchanged['api_calls']} calls in all"),
        Figure("P3.zoho.naive_ratio", "zoho: naive calls ÷ ours, first sync", round(theirs / max(1, ours), 1), "×",
               lower_is_better=False, ratio=round(theirs / max(1, ours), 1),
               note=f"ours {ours} vs naive {theirs} calls; after paid invoices: ours {last['api_calls']} vs naive "
                    f"{naive_calls(naive, last)}. {naive.note()}"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the three syncs and the naive baseline, and print their counts."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--paid", type=int, default=300, help="invoices (of distinct accounts) paid before run 3")
    parser.add_argument("--naive-sample", type=int, default=300, help="records per module the naive run reads")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    measured = measure(args.accounts, args.paid, args.naive_sample)
    runs, failures, naive = measured["runs"], measured["failures"], measured["naive"]
    if args.json:
        print(json.dumps({**measured, "naive": {**asdict(naive), "calls": naive.calls, "note": naive.note()}}))
        return 1 if failures else 0
    print(f"Zoho sandbox: {measured['org']} (seeded in {measured['seed_s']:.1f} s)")
    for run in runs:
        print(f"\n{run['run']}: {run['outcome']} in {run['seconds']} s, {run['api_calls']} calls in all")
        print(f"  rows read {run['rows_read']}")
        print(f"  list pages of 200 {run['list_pages']}, of which by page_token {run['token_pages']}")
        for module, r in run["reads"].items():
            print(f"  {module}: {r['reads']:g} reads = {r['pages']} data pages + {r['overhead']:g} (bound + 4)")
        print(f"  accounts written {run['accounts_written']}: {run['put_calls']} PUT calls "
              f"(bound ⌈changed/100⌉+2 = {run['put_bound']})")  # fmt: skip
        print(f"  credits {run['credits']}, token refreshes {run['token_refreshes']}")
    print(f"\nnaive (one call per record): {naive.calls} calls, ~{naive.seconds:.1f} s — {naive.note()}")
    for run in runs:
        ours, theirs = run["api_calls"], naive_calls(naive, run)
        print(f"  {run['run']}: ours {ours} vs naive {theirs}: {theirs / max(1, ours):.1f}× fewer")
    print("\nall bounds hold" if not failures else "\nFAILED:\n  " + "\n  ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
