"""The past as it stood, the 90+ outcome, and the ranking measures (AUC, KS, bad rate by grade)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from credit_core.backtest import Skip, add_months, case_at
from credit_core.fx import Converter
from credit_core.history import known_on, outcome
from credit_core.models import Invoice
from credit_core.validation import auc, bad_rate_by_grade, ks
from tests.credit_core.builders import account, invoice, payment, policy_with

T = date(2025, 11, 28)
END = date(2026, 11, 28)
USD = Converter("USD", "USD", {})


def bill(crm_id: str, issued: date, paid: date | None = None, amount: str = "1000.00", terms: int = 30) -> Invoice:
    """An invoice issued on `issued`, due `terms` days later, paid on `paid` (None: still open)."""
    days_ago = (END - issued).days
    late = None if paid is None else (paid - (issued + timedelta(days=terms))).days
    return invoice(crm_id, amount=amount, issued_days_ago=days_ago, terms=terms, paid_days_late=late, as_of=END)


def test_a_payment_made_after_the_day_is_undone_and_later_invoices_are_unknown() -> None:
    paid_later = bill("a", T - timedelta(days=40), paid=T + timedelta(days=5))
    paid_before = bill("b", T - timedelta(days=90), paid=T - timedelta(days=50))
    not_yet = bill("c", T + timedelta(days=1))
    then, _ = known_on([paid_later, paid_before, not_yet], [], T, USD)
    by_id = {inv.crm_id: inv for inv in then}
    assert set(by_id) == {"a", "b"}
    assert (by_id["a"].status, by_id["a"].balance, by_id["a"].paid_on) == ("open", Decimal("1000.00"), None)
    assert by_id["b"].status == "paid"


def test_receipts_linked_before_the_day_reduce_the_open_balance_then() -> None:
    open_now = bill("a", T - timedelta(days=40), amount="1000.00")
    receipts = [payment("r1", "400", T - timedelta(days=3), invoice_id="a"),
                payment("r2", "100", T + timedelta(days=3), invoice_id="a")]  # fmt: skip
    then, kept = known_on([open_now], receipts, T, USD)
    assert then[0].balance == Decimal("600.00")
    assert [p.crm_id for p in kept] == ["r1"]


def test_bad_means_more_than_90_days_past_due_on_some_day_of_the_horizon() -> None:
    due = T + timedelta(days=10)
    issued = due - timedelta(days=30)
    paid_on_day_90 = bill("a", issued, paid=due + timedelta(days=90))
    paid_on_day_91 = bill("b", issued, paid=due + timedelta(days=91))
    assert not outcome([paid_on_day_90], [], T, END, USD).bad
    assert outcome([paid_on_day_91], [], T, END, USD).bad
    assert not outcome([paid_on_day_91], [], T, due + timedelta(days=90), USD).bad  # horizon ends first


def test_accounts_already_90_days_late_or_not_yet_customers_are_left_out() -> None:
    policy = policy_with()
    late = bill("a", T - timedelta(days=200))
    assert case_at(account(), [late], [], policy, T, END, {}) is Skip.ALREADY_BAD
    newcomer = bill("b", T + timedelta(days=20))
    assert case_at(account(), [newcomer], [], policy, T, END, {}) is Skip.NOT_YET_CUSTOMER
    regular = bill("c", T - timedelta(days=60), paid=T - timedelta(days=25))
    case = case_at(account(), [regular, bill("d", T + timedelta(days=5))], [], policy, T, END, {})
    assert not isinstance(case, Skip)
    assert case.bad  # invoice d stays unpaid: 91 days past due falls inside the horizon
    assert case.decision.evaluated_at.date() == T


def test_auc_counts_ties_as_one_half() -> None:
    # goods 3, 2 and bads 2, 1: good>bad pairs (3,2) (3,1) (2,1) and one tie (2,2) -> (3 + 0.5) / 4.
    pairs = [(3.0, False), (2.0, False), (2.0, True), (1.0, True)]
    assert auc(pairs) == 0.875
    assert auc([(1.0, True), (2.0, False)]) == 1.0
    assert auc([(1.0, False), (2.0, True)]) == 0.0
    assert auc([(1.0, False)]) is None


def test_ks_is_the_largest_gap_between_the_cumulative_distributions() -> None:
    pairs = [(1.0, True), (2.0, True), (3.0, False), (4.0, True), (5.0, False), (6.0, False)]
    # After score 2: 2/3 of bads, 0 goods -> 0.667; after 4 it is back to 1 - 1/3.
    assert abs(ks(pairs) - 2 / 3) < 1e-12  # type: ignore[operator]


def test_bad_rate_by_grade_lists_every_grade() -> None:
    rows = bad_rate_by_grade([("A", False), ("C", True), ("C", False)])
    assert [(r.grade, r.accounts, r.bads, r.bad_rate) for r in rows] == [
        ("A", 1, 0, 0.0), ("B", 0, 0, None), ("C", 2, 1, 0.5), ("D", 0, 0, None), ("E", 0, 0, None)
    ]  # fmt: skip


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 28), -12) == date(2025, 11, 28)
