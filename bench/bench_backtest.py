"""The default policy's backtest on the Salesforce sandbox's history, through the real sync path.

The sandbox org renders `sandbox/portfolio.py` (its documented hidden risk formula unchanged) as
Account, Invoice__c, Order and Payment__c; `crm-credit sync` pulls it over HTTPS into a fresh SQLite
store; the backtest then scores every account as of `--as-of` (default: 12 months ago) from what was
known then and counts invoices more than 90 days past due within the following 12 months.

    python -m bench.bench_backtest [--accounts 3000] [--seed 5] [--as-of 2025-11-28] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from credit_core.backtest import add_months
from credit_core.policy import load_policy
from sandbox.salesforce import SalesforceSandbox
from sync.backtest import BacktestResult, backtest
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store
from tests.connectors.contract.harness_salesforce import WRITEBACK, install_writeback_fields, source_table


def synced_store(accounts: int, seed: int, folder: Path) -> tuple[Store, float]:
    """A store filled by a full sync of a fresh sandbox org; and the sync's wall time."""
    box = SalesforceSandbox(accounts=accounts, seed=seed, api_limit=10_000_000).start()
    try:
        install_writeback_fields(box, WRITEBACK)
        url = f"sqlite:///{folder / 'bench.db'}"
        config = AppConfig.model_validate({"store": {"url": url}, "sources": {"sf": source_table(box)}})
        store = Store.open(url)
        started = time.perf_counter()
        engine = SyncEngine(config, store)
        try:
            report = engine.sync()
        finally:
            engine.close()
        outcomes = {name: r.outcome for name, r in report.sources.items()}
        if any(outcome not in ("ok", "problems") for outcome in outcomes.values()):
            raise SystemExit(f"sync failed: {outcomes}")
        return store, time.perf_counter() - started
    finally:
        box.stop()


def run(accounts: int, seed: int, as_of: date | None, horizon: int = 12) -> tuple[BacktestResult, dict[str, Any]]:
    """Sync, then backtest the built-in default policy; the result and timings."""
    today = datetime.now(UTC).date()
    day = as_of or add_months(today, -horizon)
    with tempfile.TemporaryDirectory() as folder:
        store, sync_s = synced_store(accounts, seed, Path(folder))
        try:
            started = time.perf_counter()
            [result] = backtest(store, load_policy(), [day], horizon, today)
            backtest_s = time.perf_counter() - started
        finally:
            store.close()
    return result, {"accounts_in_org": accounts, "seed": seed, "sync_s": round(sync_s, 1),
                    "backtest_s": round(backtest_s, 1)}  # fmt: skip


def main() -> None:
    """Print the backtest figures of the default policy (table or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result, timings = run(args.accounts, args.seed, args.as_of)
    figures = {**timings, "policy_version": load_policy().policy_version, **result.to_json()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"default policy {figures['policy_version']} on the Salesforce sandbox ({args.accounts} accounts, "
          f"seed {args.seed}), synced in {timings['sync_s']} s, backtested in {timings['backtest_s']} s")  # fmt: skip
    print(f"as of {result.as_of} → {result.horizon_end}: {result.accounts} accounts, {result.bads} bad "
          f"({(result.bad_rate or 0):.1%}); skipped {result.skipped}")  # fmt: skip
    print(f"AUC {result.auc:.3f} (goal ≥ 0.70) · Gini {result.gini:.3f} · KS {result.ks:.3f}")
    for row in result.by_grade:
        rate = "–" if row.bad_rate is None else f"{row.bad_rate:.1%}"
        print(f"  grade {row.grade}: {row.accounts:5d} accounts, {row.bads:4d} bad, bad rate {rate}")


if __name__ == "__main__":
    main()
