"""Credit-core benchmark: build and evaluate a deterministic portfolio; print figures and ratios to the goals.

Goals (issue 2, on a 2-core machine): evaluate 100k accounts with 1M invoices in <= 5 s (building the
records reported separately), `evaluate_account` for one account with 50 invoices in <= 1 ms, and
`build_invoice` at <= 3 us per invoice.

    python bench/bench_core.py                    # the full goal size
    python bench/bench_core.py --accounts 10000   # a quicker look
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from credit_core import evaluate, evaluate_account
from credit_core.policy import load_policy
from credit_core.records import build_account, build_invoice, build_order

AS_OF = date(2026, 11, 28)
INDUSTRIES = ("Manufacturing", "Retail", "Construction", "Banking", "Technology", "Chemicals", "Hospitality")


def account_values(r: random.Random, i: int) -> dict[str, Any]:
    """Raw values for account i, as a connector's mapping would hand them over (strings)."""
    values: dict[str, Any] = {
        "name": f"Customer {i}",
        "industry": r.choice(INDUSTRIES),
        "currency": "USD",
        "annual_revenue": str(r.randrange(200_000, 500_000_000)),
        "established_on": str(r.randrange(1950, 2025)),
    }
    if i > 10 and r.random() < 0.08:
        values["parent_crm_id"] = f"acc{r.randrange(i)}"
    if r.random() < 0.4:
        assets = r.randrange(100_000, 100_000_000)
        values["financials"] = {
            "total_assets": str(assets),
            "total_liabilities": str(int(assets * r.uniform(0.3, 0.9))),
            "current_assets": str(int(assets * r.uniform(0.2, 0.6))),
            "current_liabilities": str(int(assets * r.uniform(0.1, 0.4))),
            "retained_earnings": str(int(assets * r.uniform(-0.1, 0.4))),
            "ebit": str(int(assets * r.uniform(-0.05, 0.15))),
            "operating_cash_flow": str(int(assets * r.uniform(-0.05, 0.12))),
        }
    if r.random() < 0.3:
        values["bureau_score"] = r.randrange(0, 101)
    return values


def invoice_values(r: random.Random, account: int) -> dict[str, Any]:
    """Raw values for one invoice of `account`: two years of history, most paid, some late or open."""
    issued = AS_OF - timedelta(days=r.randrange(730))
    due = issued + timedelta(days=r.choice((30, 30, 45, 60)))
    amount = Decimal(r.randrange(10_000, 5_000_000)) / 100
    values: dict[str, Any] = {
        "account_crm_id": f"acc{account}",
        "number": f"INV-{r.randrange(10**7):07d}",
        "issued_on": issued.isoformat(),
        "due_on": due.isoformat(),
        "amount": str(amount),
        "currency": "USD",
    }
    paid = due + timedelta(days=int(r.expovariate(1 / 8)) - 5)
    if paid <= AS_OF and r.random() < 0.98:  # 2 % never paid; the rest open only until paid
        values.update(status="paid", balance="0", paid_on=paid.isoformat())
    else:
        values.update(status="open", balance=str(amount))
    return values


def raw_portfolio(accounts: int, invoices_per_account: int, seed: int = 7) -> tuple[list[Any], list[Any], list[Any]]:
    """Deterministic raw values for accounts, invoices and orders."""
    r = random.Random(seed)
    raw_accounts = [(f"acc{i}", account_values(r, i)) for i in range(accounts)]
    raw_invoices = []
    for i in range(accounts):
        count = r.randrange(1, 2 * invoices_per_account)
        raw_invoices.extend((f"inv{i}-{k}", invoice_values(r, i)) for k in range(count))
    raw_orders = [
        (f"ord{i}", {"account_crm_id": f"acc{i}", "amount": str(r.randrange(1_000, 90_000)), "currency": "USD"})
        for i in range(0, accounts, 2)
    ]
    return raw_accounts, raw_invoices, raw_orders


class Clock:
    """Wall-clock and CPU time of a block (CPU time is steadier on a shared machine)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def timed(label: str, goal: float | None, unit: str, clock: Clock, per: int = 1) -> None:
    scale = 1e6 if unit == "us" else 1e3 if unit == "ms" else 1
    wall, cpu = clock.wall / per * scale, clock.cpu / per * scale
    ratio = f"  ({wall / goal:.2f} x goal {goal:g} {unit})" if goal else ""
    print(f"{label:<52} {wall:9.3f} {unit} wall {cpu:9.3f} {unit} cpu{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--invoices-per-account", type=int, default=10)
    parser.add_argument("--single-runs", type=int, default=2000)
    parser.add_argument("--no-gc", action="store_true", help="disable the garbage collector while timing")
    args = parser.parse_args()
    policy = load_policy()
    raw_accounts, raw_invoices, raw_orders = raw_portfolio(args.accounts, args.invoices_per_account)
    print(f"portfolio: {len(raw_accounts):,} accounts, {len(raw_invoices):,} invoices, {len(raw_orders):,} orders")

    if args.no_gc:
        gc.disable()
    gc.freeze()  # the raw values are long-lived, as a worker's loaded data would be
    with Clock() as accounts_clock:
        accounts = [build_account("bench", crm_id, values) for crm_id, values in raw_accounts]
    with Clock() as invoices_clock:
        invoices = [build_invoice("bench", crm_id, values) for crm_id, values in raw_invoices]
    orders = [build_order("bench", crm_id, values) for crm_id, values in raw_orders]
    timed("build_account", None, "us", accounts_clock, len(accounts))
    timed("build_invoice (string values)", 3, "us", invoices_clock, len(invoices))
    gc.freeze()
    goal = 5.0 * len(invoices) / 1_000_000
    with Clock() as clock:
        decisions = evaluate(accounts, invoices, orders, policy, AS_OF)
    timed(f"evaluate ({len(accounts):,} accounts, {len(invoices):,} invoices)", goal, "s", clock)
    grades = Counter(d.grade for d in decisions.values())
    print("  grades: " + ", ".join(f"{g} {grades[g] / len(decisions):.0%}" for g in "ABCDE"))

    account = accounts[0]
    fifty = [build_invoice("bench", f"one-{k}", invoice_values(random.Random(k), 0)) for k in range(50)]
    evaluate_account(account, fifty, [], policy, AS_OF)
    runs = []
    for _ in range(args.single_runs):
        with Clock() as one:
            evaluate_account(account, fifty, [], policy, AS_OF)
        runs.append(one)
    median = sorted(runs, key=lambda c: c.wall)[len(runs) // 2]
    timed("evaluate_account, 50 invoices (median run)", 1, "ms", median)


if __name__ == "__main__":
    main()
