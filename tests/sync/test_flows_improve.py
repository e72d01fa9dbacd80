"""Continuous improvement from the store: the backtest scores the past, simulate shows a policy's effect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from credit_core import evaluate_account
from credit_core.backtest import Skip, case_at
from credit_core.models import Account, Invoice, Payment
from credit_core.policy import load_policy
from sandbox.portfolio import Portfolio
from sync.backtest import backtest
from sync.simulate import simulate
from sync.store import Store
from tests.credit_core.builders import open_invoice, paid_history, solid_account
from tests.sync.flows import NOW, config, evaluate, policy_file, put

TODAY = date(2026, 11, 28)


def generated(n: int) -> list[Account | Invoice | Payment]:
    """The sandbox portfolio as canonical records (a small one: the slow bench runs the big one)."""
    records: list[Account | Invoice | Payment] = []
    for data in Portfolio(n, seed=11, as_of=TODAY):
        c, key = data.company, str(data.company.index)
        records.append(Account(source="sf", crm_id=key, industry=c.industry, currency="USD",
                               annual_revenue=c.annual_revenue, established_on=date(c.year_started, 1, 1)))  # fmt: skip
        records += [Invoice(source="sf", crm_id=f"i{i.index}", account_crm_id=key, amount=i.amount, currency="USD",
                            issued_on=i.issued_on, due_on=i.due_on, balance=i.balance, paid_on=i.paid_on,
                            status=i.status) for i in data.invoices]  # type: ignore[arg-type]  # fmt: skip
    return records


def test_the_backtest_from_the_store_matches_the_core_account_by_account(store: Store) -> None:
    records = generated(120)
    put(store, records)
    policy = load_policy()
    [result] = backtest(store, policy, [date(2025, 11, 28)], 12, TODAY)
    accounts = [r for r in records if isinstance(r, Account)]
    expected = []
    for account in accounts:
        invoices = [r for r in records if isinstance(r, Invoice) and r.account_crm_id == account.crm_id]
        case = case_at(account, invoices, [], policy, date(2025, 11, 28), TODAY, {})
        if not isinstance(case, Skip):
            expected.append((case.decision.score, case.bad))
    assert sorted((c.decision.score, c.bad) for c in result.cases) == sorted(expected)
    assert result.accounts == len(expected) and result.bads == sum(bad for _, bad in expected) > 0
    assert result.auc is not None and result.auc > 0.5
    assert sum(result.skipped.values()) + result.accounts == len(accounts)
    assert sum(g.accounts for g in result.by_grade) == result.accounts


def test_a_horizon_past_today_is_cut_at_today(store: Store) -> None:
    put(store, generated(5))
    [result] = backtest(store, load_policy(), [date(2026, 6, 1)], 12, TODAY)
    assert result.horizon_end == TODAY


def test_simulate_reports_limits_statuses_and_exposure_over_the_new_limits(store: Store, tmp_path: Path) -> None:
    put(store, [solid_account("A1"), *paid_history(8, prefix="a", account_id="A1"),
                solid_account("B1"), open_invoice("b-open", -10, amount="60000", account_id="B1"),
                *paid_history(8, prefix="b", account_id="B1")])  # fmt: skip
    evaluate(config("sqlite://"), store)
    tight = {f"limits.max.{g}": "40000" for g in "ABCD"}
    live, proposed = load_policy(), load_policy(policy_file(tmp_path, tight))

    diff, errors = simulate(store, live, proposed, NOW)

    assert errors == 0 and diff.accounts == 2
    assert diff.limits_down == 2 and diff.limits_up == 0
    b_live = evaluate_account(solid_account("B1"), [open_invoice("b-open", -10, amount="60000", account_id="B1"),
                              *paid_history(8, prefix="b", account_id="B1")], [], live, NOW)  # fmt: skip
    assert b_live.exposure == Decimal("60000.00") and b_live.credit_limit > Decimal("60000")
    assert diff.over_new_limit == diff.newly_over_limit == 1
    assert diff.exposure_over_new_limits == Decimal("20000.00")  # 60,000 against a 40,000 limit
    assert diff.status_changes == {"OK→HOLD": 1}  # OVER_LIMIT holds
    assert diff.total_limit_after == Decimal("80000")
    [b_change] = [c for c in diff.changes if c.key == ("sf", "B1")]
    assert b_change.flags_added == ("OVER_LIMIT",)
