"""Salesforce API calls of a sync against the sandbox org (issue 4, "Done when").

Against 5,000 accounts and 50,000 invoices (plus the portfolio's orders and payments), three runs of
the real SyncEngine over HTTPS: a first full sync, an unchanged re-run, and an incremental sync
after 10 invoices were paid. Every HTTP exchange the connector makes (retries included) is
attributed to an object from its URL and SOQL. Printed, with the issue's bounds:
  - write-back calls <= ceil(changed accounts / 200) + 2,
  - reads per object <= data pages + 4,
  - the incremental sync reads only rows stamped in [watermark - lookback_s, run start), split into
    real changes, echoes of our own writes and lookback re-reads, and writes only affected accounts;
  - beside them, the calls of the same work done naively, one simple-salesforce call per record
    (`bench.naive_calls`, measured on a sample and scaled), and ours vs naive as a ratio.

    python -m bench.bench_salesforce_calls [--accounts 5000] [--invoices 50000] [--naive-sample 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench.figures import Figure
from bench.naive_calls import naive_salesforce
from connectors.base import ConnectorContext, ObjectKind, SourceRecord, Window
from connectors.registry import register_connector, unregister_connector
from connectors.salesforce.connector import SalesforceConnector
from sandbox.salesforce import SalesforceSandbox
from sync.config import AppConfig
from sync.engine import SyncEngine, SyncReport
from sync.store import Store
from sync.store.state import load_pull_state
from tests.connectors.contract.harness_salesforce import OBJECTS, WRITEBACK, install_writeback_fields, source_table

SOURCE = "sf"
_FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


@dataclass
class CallLog:
    """(object, what) of every HTTP exchange the connector made, in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    _jobs: dict[str, str] = field(default_factory=dict)
    _last_query: str = "?"

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Session response hook: attribute one exchange."""
        request = response.request
        parts = urlsplit(str(request.url))
        path, method = parts.path, str(request.method)
        self.calls.append(self._classify(method, path, parse_qs(parts.query), request.body, response))

    def _classify(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, response: Any
    ) -> tuple[str, str]:
        if "/composite/sobjects" in path:
            return "Account", "write"
        if path.endswith("/describe") or path.endswith("/describe/"):
            return path.rstrip("/").split("/")[-2], "describe"
        if "/deleted" in path:
            return path.rstrip("/").split("/")[-2], "deleted"
        if re.search(r"/(query|queryAll)/?$", path) and "q" in query:
            soql = query["q"][0]
            self._last_query = _FROM.search(soql).group(1)  # type: ignore[union-attr]
            return self._last_query, "count" if "COUNT()" in soql else "page"
        if re.search(r"/query/01g", path):
            return self._last_query, "page"
        if path.rstrip("/").endswith("/jobs/query") and method == "POST":
            sobject = _FROM.search(json.loads(body)["query"]).group(1)  # type: ignore[union-attr]
            if response.ok:
                self._jobs[response.json()["id"]] = sobject
            return sobject, "bulk job"
        job = re.search(r"/jobs/query/(\w+)(/results)?", path)
        if job:
            return self._jobs.get(job.group(1), "?"), "page" if job.group(2) else "bulk poll"
        return "-", "other"

    def since(self, start: int) -> list[tuple[str, str]]:
        """Calls from position `start` on."""
        return self.calls[start:]


class RecordingConnector(SalesforceConnector):
    """The real connector, remembering the windows it was asked for and the rows it returned."""

    windows: dict[str, Window]
    pulled: dict[str, list[SourceRecord]]

    def pull_changed(self, kind: ObjectKind, window: Window) -> Iterator[SourceRecord]:
        """Pass the rows through, keeping a copy."""
        self.windows[kind] = window
        for record in super().pull_changed(kind, window):
            self.pulled[kind].append(record)
            yield record


def _top_up_invoices(box: SalesforceSandbox, wanted: int) -> None:
    """Add open invoices (committed a month back) until the org holds `wanted`."""
    have = len(box.ids("Invoice__c"))
    accounts = box.ids("Account")
    at = datetime.now(UTC) - timedelta(days=30)
    for i in range(max(0, wanted - have)):
        day = at.date()
        values = {"Name": f"TOPUP-{i:06d}", "Account__c": accounts[i % len(accounts)], "Invoice_Date__c": day,
                  "Due_Date__c": day + timedelta(days=45), "Amount__c": 1000 + i % 500, "Balance__c": 1000 + i % 500,
                  "Status__c": "Open", "CurrencyIsoCode": "USD"}  # fmt: skip
        box.create_record("Invoice__c", values, at=at)


def _per_object(calls: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for sobject, what in calls:
        found[sobject][what] += 1
    return {k: dict(v) for k, v in found.items()}


def _read_bounds(calls: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    out = {}
    for sobject, counts in _per_object(calls).items():
        if sobject in ("-", "?") or set(counts) == {"write"}:
            continue
        reads = sum(n for what, n in counts.items() if what != "write")
        pages = counts.get("page", 0)
        out[sobject] = {"reads": reads, "pages": pages, "overhead": reads - pages, "ok": reads <= pages + 4, **counts}
    return out


@dataclass
class Bench:
    """One sandbox, one store, the engine, and the call log."""

    box: SalesforceSandbox
    store: Store
    config: AppConfig
    log: CallLog = field(default_factory=CallLog)
    last: RecordingConnector | None = None

    def factory(self, source: str, settings: Any, context: ConnectorContext) -> RecordingConnector:
        """Registry factory: the real connector with the call hook."""
        connector = RecordingConnector(source, settings, context)
        connector.windows, connector.pulled = {}, defaultdict(list)
        connector.client.session.hooks["response"].append(self.log.hook)
        self.last = connector
        return connector

    def run(self) -> tuple[SyncReport, list[tuple[str, str]], float]:
        """One sync; its calls and seconds."""
        start, began = len(self.log.calls), time.perf_counter()
        engine = SyncEngine(self.config, self.store, sleep=lambda s: None)
        try:
            report = engine.sync([SOURCE])
        finally:
            engine.close()
        return report, self.log.since(start), time.perf_counter() - began


def _summary(report: SyncReport, calls: list[tuple[str, str]], seconds: float) -> dict[str, Any]:
    source = report.sources[SOURCE]
    sent = source.push.sent if source.push else 0
    writes = sum(1 for _o, what in calls if what == "write")
    return {
        "outcome": source.outcome,
        "seconds": round(seconds, 1),
        "read": {o.kind: o.read for o in source.objects},
        "accounts_written": sent,
        "write_calls": writes,
        "write_bound": math.ceil(sent / 200) + 2,
        "writes_ok": writes <= math.ceil(sent / 200) + 2,
        "reads": _read_bounds(calls),
        "api_calls": len(calls),
    }


def _incremental(bench: Bench, lookback: int, changed: dict[str, str]) -> dict[str, Any]:
    with bench.store.read() as conn:
        marks = {k: load_pull_state(conn, SOURCE, k).watermark for k in ("account", "invoice", "order", "payment")}
    ours = {c.record_id for c in bench.box.changes if c.client == "crm-credit"}
    changes_before = len(bench.box.changes)
    run_start = datetime.now(UTC)
    report, calls, seconds = bench.run()
    summary = _summary(report, calls, seconds)
    connector = bench.last
    assert connector is not None
    kinds: dict[str, Any] = {}
    for kind, rows in connector.pulled.items():
        low = marks[kind] - timedelta(seconds=lookback) if marks[kind] else None
        inside = all((low is None or r.stamp >= low.replace(microsecond=0)) and r.stamp < run_start for r in rows)
        real = sum(1 for r in rows if r.crm_id in changed)
        echoes = sum(1 for r in rows if r.crm_id in ours and r.crm_id not in changed)
        kinds[kind] = {"rows": len(rows), "changes": real, "echoes_of_our_writes": echoes,
                       "lookback_rereads": len(rows) - real - echoes, "all_in_window": inside}  # fmt: skip
    ours = [c for c in list(bench.box.changes)[changes_before:] if c.client == "crm-credit"]
    # Owner tasks (a status that worsened) are ours too, but they are new Task records, not account write-backs.
    written = {c.record_id for c in ours if c.sobject == "Account"}
    summary["tasks_created"] = sum(1 for c in ours if c.sobject == "Task")
    affected = set(changed.values())
    summary["rows"] = kinds
    summary["written_accounts"] = sorted(written)
    summary["affected_accounts"] = sorted(affected)
    summary["writes_only_affected"] = written <= affected | _groups(bench.box, affected)
    return summary


def _groups(box: SalesforceSandbox, accounts: set[str]) -> set[str]:
    """Every account in the parent hierarchies of these accounts (a group shares its exposure)."""
    parent = {str(r["Id"]): r.get("ParentId") for r in box.query("SELECT Id, ParentId FROM Account")}

    def root(a: str) -> str:
        while parent.get(a):
            a = str(parent[a])
        return a

    roots = {root(a) for a in accounts}
    return {a for a in parent if root(a) in roots}


def _written_by_us(box: SalesforceSandbox, since: int) -> list[str]:
    """Accounts our client wrote in the changes from position `since` on."""
    changes = box.changes[since:]
    return list(dict.fromkeys(c.record_id for c in changes if c.client == "crm-credit" and c.sobject == "Account"))


def measure(
    accounts: int, invoices: int, folder: Path, bulk_threshold: int = 10_000, naive_sample: int = 300
) -> dict[str, Any]:
    """The three runs and the naive baseline; figures by run."""
    with SalesforceSandbox(accounts=accounts, seed=7, api_limit=10_000_000) as box:
        _top_up_invoices(box, invoices)
        install_writeback_fields(box, WRITEBACK)
        table = {**source_table(box), "bulk_threshold": bulk_threshold}
        config = AppConfig.model_validate({"store": {"url": "sqlite://"}, "sources": {SOURCE: table}})
        store = Store.open(f"sqlite:///{folder / 'bench.db'}")
        bench = Bench(box, store, config)
        register_connector("salesforce", bench.factory)
        try:
            figures: dict[str, Any] = {"org": {k: len(box.ids(o)) for k, o in
                                               (("accounts", "Account"), ("invoices", "Invoice__c"),
                                                ("orders", "Order"), ("payments", "Payment__c"))}}  # fmt: skip
            figures["first_sync"] = _summary(*bench.run())
            written = _written_by_us(box, 0)
            figures["unchanged_rerun"] = _summary(*bench.run())
            paid = box.query("SELECT Id, Account__c FROM Invoice__c WHERE Status__c = 'Open' AND Balance__c > 0")
            chosen: dict[str, str] = {}
            for row in paid:
                if str(row["Account__c"]) not in chosen.values() and len(chosen) < 10:
                    chosen[str(row["Id"])] = str(row["Account__c"])
            for invoice in chosen:
                box.update_record("Invoice__c", invoice, {"Balance__c": 0, "Status__c": "Paid",
                                                          "Paid_On__c": datetime.now(UTC).date()})  # fmt: skip
            figures["after_10_paid_invoices"] = _incremental(bench, config.source(SOURCE).lookback_s, chosen)
            naive = naive_salesforce(box, list(OBJECTS.values()), written, list(WRITEBACK.values()), naive_sample)
            per_write = naive.write_calls / max(1, len(written))
            figures["naive"] = {
                "calls": naive.calls, "listing_calls": naive.listing_calls, "read_calls": round(naive.read_calls),
                "write_calls": round(naive.write_calls), "seconds": round(naive.seconds, 1), "per_write": per_write,
                "note": naive.note(),
            }  # fmt: skip
        finally:
            unregister_connector("salesforce")
            store.close()
    return figures


def _print(measured: dict[str, Any]) -> None:
    print(f"org: {measured['org']}")
    for name in ("first_sync", "unchanged_rerun", "after_10_paid_invoices"):
        run = measured[name]
        print(f"\n{name}: {run['outcome']} in {run['seconds']} s, {run['api_calls']} API calls, read {run['read']}")
        print(f"  write-back: {run['write_calls']} calls for {run['accounts_written']} accounts "
              f"(bound {run['write_bound']}) {'OK' if run['writes_ok'] else 'OVER'}")  # fmt: skip
        for sobject, r in run["reads"].items():
            detail = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("reads", "pages", "overhead", "ok"))
            print(f"  {sobject}: {r['reads']} reads = {r['pages']} data pages + {r['overhead']} ({detail}) "
                  f"{'OK' if r['ok'] else 'OVER'}")  # fmt: skip
    last = measured["after_10_paid_invoices"]
    for kind, rows in last["rows"].items():
        print(f"  {kind} rows: {rows}")
    print(f"  wrote {len(last['written_accounts'])} accounts (and {last['tasks_created']} owner tasks); "
          f"affected {len(last['affected_accounts'])}; "
          f"only affected (or their groups): {last['writes_only_affected']}")  # fmt: skip
    naive = measured["naive"]
    print(f"\nnaive (one call per record): {naive['calls']} calls, ~{naive['seconds']} s — {naive['note']}")
    for name in ("first_sync", "unchanged_rerun", "after_10_paid_invoices"):
        ours, theirs = measured[name]["api_calls"], _naive_calls(measured, name)
        print(f"  {name}: ours {ours} calls vs naive {theirs}: {theirs / max(1, ours):.1f}× fewer")


def _naive_calls(figures: dict[str, Any], run: str) -> int:
    """The naive sync's calls for one of our runs: it re-reads everything, and updates what changed."""
    naive = figures["naive"]
    written = figures[run]["accounts_written"]
    return round(naive["listing_calls"] + naive["read_calls"] + naive["per_write"] * written)


def figures(quick: bool) -> list[Figure]:
    """P3 on Salesforce for `bench.run_all`: read and write-back bounds, unchanged writes, naive ratio."""
    accounts, invoices = (500, 5000) if quick else (5000, 50_000)
    with tempfile.TemporaryDirectory() as folder:
        measured = measure(accounts, invoices, Path(folder), naive_sample=100 if quick else 300)
    return _p3(measured, f"{accounts} accounts, {invoices} invoices")


def _p3(measured: dict[str, Any], size: str, crm: str = "sf") -> list[Figure]:
    runs = {name: measured[name] for name in ("first_sync", "unchanged_rerun", "after_10_paid_invoices")}
    objects = [(name, obj, r) for name, run in runs.items() for obj, r in run["reads"].items()]
    worst = max(objects, key=lambda t: t[2]["overhead"])
    first, unchanged = runs["first_sync"], runs["unchanged_rerun"]
    naive, ours = _naive_calls(measured, "first_sync"), first["api_calls"]
    incremental = runs["after_10_paid_invoices"]
    naive_incremental = _naive_calls(measured, "after_10_paid_invoices")
    return [
        Figure(f"P3.{crm}.reads", f"{crm}: reads beyond data pages, worst object and run", worst[2]["overhead"],
               "calls", goal=4, ratio=worst[2]["overhead"] / 4,
               note=f"{worst[1]} in {worst[0]}: {worst[2]['reads']} reads for {worst[2]['pages']} pages ({size})"),
        Figure(f"P3.{crm}.writes", f"{crm}: write-back calls, first sync", first["write_calls"], "calls",
               goal=first["write_bound"], ratio=first["write_calls"] / first["write_bound"],
               note=f"{first['accounts_written']} accounts changed; bound ⌈changed/200⌉ + 2"),
        Figure(f"P3.{crm}.unchanged_writes", f"{crm}: writes of an unchanged re-run", unchanged["write_calls"],
               "calls", goal=0, note=f"{unchanged['api_calls']} calls in all"),
        Figure(f"P3.{crm}.naive_ratio", f"{crm}: naive calls ÷ ours, first sync", round(naive / max(1, ours), 1),
               "×", lower_is_better=False, ratio=round(naive / max(1, ours), 1),
               note=f"ours {ours} vs naive {naive} calls; incremental after 10 paid invoices: ours "
                    f"{incremental['api_calls']} vs naive {naive_incremental}. {measured['naive']['note']}"),
    ]  # fmt: skip


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--naive-sample", type=int, default=300, help="records per object the naive run reads")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measured = measure(args.accounts, args.invoices, Path(folder), naive_sample=args.naive_sample)
    if args.json:
        print(json.dumps(measured, indent=2, default=str))
    else:
        _print(measured)


if __name__ == "__main__":
    main()
