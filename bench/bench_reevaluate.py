"""P5: re-evaluate 100k accounts (1M invoices) from the store; the evaluation itself apart from loading.

A SQLite store is filled with bench_core's deterministic portfolio (accounts with parents, financials
and bureau scores; invoices over two years; open orders) and one Salesforce-shaped source with a
write-back mapping. Three runs of the real `Evaluator`, each timed with the part spent reading and
decoding records (`stream_bundles`, the group-exposure pass's reads) counted apart as loading:
  - first: every account gets its first decision (history, audit, input snapshot, outbox plan),
  - (then every planned write is pushed to a connector that accepts them, as a sync would),
  - again: the same day, nothing changed (the P5 figure: the steady-state re-evaluation),
  - next day: calendar figures move, so current rows refresh and plans are compared with the outbox.

    python -m bench.bench_reevaluate [--accounts 100000] [--invoices-per-account 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_core import raw_portfolio
from bench.figures import Figure
from connectors.base import RecordWrite, WriteOutcome
from credit_core.records import build_account, build_invoice, build_order
from sync import evaluation
from sync.config import AppConfig
from sync.evaluation import Evaluator
from sync.outbox import Pusher
from sync.store import Store
from sync.store.bundles import stream_bundles
from sync.store.codec import encode_record, to_stamp
from sync.store.records import RecordRow, upsert_records

SOURCE = "bench"
FIRST_DAY = datetime(2026, 11, 28, 6, tzinfo=UTC)
WRITEBACK = {"credit_limit": "Credit_Limit__c", "available_credit": "Available_Credit__c", "score": "Credit_Score__c",
             "grade": "Credit_Grade__c", "status": "Credit_Status__c", "flags": "Credit_Flags__c",
             "reasons": "Credit_Reasons__c", "next_review_on": "Credit_Next_Review__c"}  # fmt: skip
GOAL_S = 5.0


def config(url: str) -> AppConfig:
    """One Salesforce-shaped source with a write-back mapping (the connector is never started)."""
    return AppConfig.model_validate(
        {
            "store": {"url": url},
            "sources": {
                SOURCE: {
                    "kind": "salesforce",
                    "auth": {"method": "session", "session_id": "bench"},
                    "accounts": {"object": "Account", "fields": {"name": "Name"}},
                    "writeback": {"object": "Account", "fields": WRITEBACK},
                }
            },
        }
    )


def fill_store(url: str, accounts: int, per_account: int, batch: int = 20_000) -> dict[str, int]:
    """Store the deterministic portfolio as a pull would (validated records, encoded payloads)."""
    raw_accounts, raw_invoices, raw_orders = raw_portfolio(accounts, per_account)
    stamp = to_stamp(FIRST_DAY - timedelta(days=1))
    store = Store.open(url)
    kinds: list[tuple[str, list[Any], Callable[..., Any]]] = [
        ("account", raw_accounts, build_account),
        ("invoice", raw_invoices, build_invoice),
        ("order", raw_orders, build_order),
    ]
    counts = {}
    try:
        for kind, raws, build in kinds:
            counts[kind] = len(raws)
            for start in range(0, len(raws), batch):
                rows = []
                for crm_id, values in raws[start : start + batch]:
                    record = build(SOURCE, crm_id, values)
                    link = record.parent_crm_id if kind == "account" else record.account_crm_id
                    rows.append(RecordRow(SOURCE, crm_id, link, stamp, False, None, 1, encode_record(record)))
                with store.write() as conn:
                    upsert_records(conn, kind, rows)
    finally:
        store.close()
    return counts


class LoadTimer:
    """Seconds spent inside the store readers the evaluator calls (reading rows and decoding records)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def stream(self, reader: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            items = reader(*args, **kwargs)
            while True:
                started = time.perf_counter()  # not process_time: a system call, 100k of them would show
                item = next(items, None)
                self.seconds += time.perf_counter() - started
                if item is None:
                    return
                yield item

        return timed

    def call(self, reader: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return reader(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


@contextmanager
def timed_loading() -> Iterator[LoadTimer]:
    """Count the evaluator's record reads apart (its module-level readers, wrapped for the block)."""
    timer = LoadTimer()
    originals = {name: getattr(evaluation, name) for name in ("stream_bundles", "load_bundles")}
    evaluation.stream_bundles = timer.stream(originals["stream_bundles"])  # type: ignore[assignment]
    evaluation.load_bundles = timer.call(originals["load_bundles"])  # type: ignore[assignment]
    try:
        yield timer
    finally:
        for name, reader in originals.items():
            setattr(evaluation, name, reader)


def evaluate_once(url: str, moment: datetime) -> dict[str, Any]:
    """One full evaluation at `moment`: wall seconds, loading seconds, and what it did."""
    store = Store.open(url)
    try:
        with timed_loading() as loading:
            started, cpu = time.perf_counter(), time.process_time()
            report = Evaluator(config(url), store, lambda: moment).run()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        store.close()
    timing = {"wall_s": wall, "cpu_s": cpu, "loading_s": loading.seconds, "evaluation_s": wall - loading.seconds}
    return {**timing, **vars(report)}


class AcceptingConnector:
    """Takes every write (the CRM side of the push that follows a first evaluation)."""

    write_batch_size = 200

    def push(self, writes: list[RecordWrite]) -> list[WriteOutcome]:
        return [WriteOutcome(write.crm_id, True) for write in writes]

    def fetch_written_values(self, crm_ids: list[str]) -> dict[str, dict[str, Any]]:
        return {}


def push_all(url: str, moment: datetime) -> int:
    """Send every planned write, so the ledger holds what the CRM holds; return how many were sent."""
    store = Store.open(url)
    try:
        return Pusher(store, AcceptingConnector(), SOURCE, lambda: moment).run().sent  # type: ignore[arg-type]
    finally:
        store.close()


def loading_cpu(url: str) -> float:
    """CPU seconds of reading and decoding every bundle alone (to take from a run's CPU time)."""
    store = Store.open(url)
    try:
        started = time.process_time()
        with store.read() as conn:
            for _bundle in stream_bundles(conn):
                pass
        return time.process_time() - started
    finally:
        store.close()


def measure(accounts: int, per_account: int, folder: Path) -> dict[str, Any]:
    """Fill a store, then the three evaluations."""
    url = f"sqlite:///{folder / 'p5.db'}"
    started = time.perf_counter()
    counts = fill_store(url, accounts, per_account)
    result: dict[str, Any] = {"store": counts, "fill_s": time.perf_counter() - started}
    result["loading_cpu_s"] = loading_cpu(url)  # wall time varies with the machine's load; CPU time less
    result["first"] = evaluate_once(url, FIRST_DAY)
    result["pushed"] = push_all(url, FIRST_DAY + timedelta(minutes=30))
    result["again"] = evaluate_once(url, FIRST_DAY + timedelta(hours=1))
    result["next_day"] = evaluate_once(url, FIRST_DAY + timedelta(days=1))
    return result


def figures(quick: bool) -> list[Figure]:
    """P5 for bench.run_all: the unchanged re-evaluation against its goal, the other runs beside it."""
    accounts = 2_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as folder:
        result = measure(accounts, 10, Path(folder))
    goal = GOAL_S * accounts / 100_000
    size = f"{accounts:,} accounts, {result['store']['invoice']:,} invoices"
    out = []
    for key, label, fid in (("again", "re-evaluation, nothing changed", "P5"),
                            ("next_day", "re-evaluation, next day", "P5.next_day"),
                            ("first", "first evaluation (all new decisions)", "P5.first")):  # fmt: skip
        run = result[key]
        note = (f"{size}; loading {run['loading_s']:.1f} s apart (wall {run['wall_s']:.1f} s); "
                f"changed {run['changed']:,}, refreshed {run['refreshed']:,}, planned {run['planned']:,}")  # fmt: skip
        ratio = run["evaluation_s"] / goal
        out.append(Figure(fid, f"{label}: evaluation", run["evaluation_s"], "s", goal, ratio=ratio, note=note))
    cpu = result["again"]["cpu_s"] - result["loading_cpu_s"]
    note = f"{size}: the run's CPU time less a loading-only pass's ({result['loading_cpu_s']:.1f} s)"
    out.insert(1, Figure("P5.cpu", "re-evaluation, nothing changed: evaluation CPU", cpu, "s", goal, ratio=cpu / goal,
                         note=note))  # fmt: skip
    return out


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--invoices-per-account", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="also copy the filled store here (for profiling)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = measure(args.accounts, args.invoices_per_account, Path(folder))
        if args.keep:
            shutil.copy(Path(folder) / "p5.db", args.keep)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    loading = result["loading_cpu_s"]
    print(f"store: {result['store']} filled in {result['fill_s']:.1f} s; loading alone {loading:.1f} s CPU")
    for key in ("first", "again", "next_day"):
        run = result[key]
        print(f"{key:<9} wall {run['wall_s']:7.2f} s  CPU {run['cpu_s']:7.2f} s  loading {run['loading_s']:6.2f} s  "
              f"evaluation "
              f"{run['evaluation_s']:6.2f} s  (goal {GOAL_S * args.accounts / 100_000:.2f} s)  "
              f"evaluated {run['evaluated']:,} changed {run['changed']:,} refreshed {run['refreshed']:,} "
              f"planned {run['planned']:,} errors {run['errors']}")  # fmt: skip


if __name__ == "__main__":
    main()
