"""Exposure, flags, dunning, status and summary; review dates and stability over later dates."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from credit_core import evaluate_account
from credit_core.decisions import material_fields
from credit_core.models import Decision
from credit_core.policy import load_policy

from .builders import AS_OF, account, invoice, open_invoice, order, paid_history, payment, policy_with, solid_account

POLICY = load_policy()
MANUAL = {"amount": "10000", "expires_on": "2027-12-31"}  # a fixed limit makes utilization easy to reason about


def decide(invoices: list, orders: list | None = None, as_of: date = AS_OF, **values: object) -> Decision:
    return evaluate_account(solid_account(**values), invoices, orders or [], POLICY, as_of)


# --- exposure --------------------------------------------------------------------------------------


def test_exposure_is_open_balances_less_open_credit_notes_plus_uninvoiced_open_orders() -> None:
    invoices = [
        open_invoice("a", -10, amount="4000"),
        open_invoice("b", 20, amount="3000", balance="1000"),  # partly paid
        invoice("c", amount="900", paid_days_late=0),
        invoice("cn", amount="-500", status="credit_note"),
        invoice("v", amount="700", status="void"),
    ]
    orders = [
        order("o1", "2000"),
        order("o2", "1500", uninvoiced_amount="600"),
        order("o3", "9000", status="invoiced"),
        order("o4", "9000", status="cancelled"),
    ]
    decision = decide(invoices, orders)
    assert decision.exposure == Decimal("7100.00")  # 4,000 + 1,000 - 500 + 2,000 + 600
    assert decision.overdue_amount == Decimal("1000.00")
    assert decision.available_credit == decision.credit_limit - decision.exposure


def test_credit_notes_count_neither_as_sales_nor_as_invoices() -> None:
    with_note = decide([*paid_history(3), invoice("cn", amount="-900", status="credit_note")])
    without = decide(paid_history(3))
    assert with_note.dso == without.dso
    assert with_note.exposure == Decimal("-900.00")


# --- flags -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_past_due", "flag", "stage"),
    [
        (-3, None, None),
        (0, None, None),
        (1, None, "reminder"),
        (15, None, "first"),
        (30, None, "second"),  # PAST_DUE_30 means more than 30 days
        (31, "PAST_DUE_30", "second"),
        (60, "PAST_DUE_30", "final"),
        (61, "PAST_DUE_60", "final"),
        (90, "PAST_DUE_60", "legal"),
        (91, "PAST_DUE_90", "legal"),
    ],
)
def test_past_due_flags_and_dunning_stages_follow_the_thresholds(
    days_past_due: int, flag: str | None, stage: str | None
) -> None:
    decision = decide([open_invoice("o", days_past_due)])
    assert [f for f in decision.flags if f.startswith("PAST_DUE")] == ([flag] if flag else [])
    assert decision.dunning_stage == stage
    assert decision.max_days_past_due == max(days_past_due, 0)


def test_over_limit_and_high_utilization() -> None:
    over = decide([open_invoice("o", -5, amount="10000.01")], limit_override=MANUAL)
    high = decide([open_invoice("o", -5, amount="9000")], limit_override=MANUAL)
    fine = decide([open_invoice("o", -5, amount="8999")], limit_override=MANUAL)
    assert "OVER_LIMIT" in over.flags and "HIGH_UTILIZATION" not in over.flags
    assert over.status == "HOLD"
    assert "HIGH_UTILIZATION" in high.flags and high.utilization == Decimal("0.9000")
    assert high.status == "WATCH"
    assert not {"OVER_LIMIT", "HIGH_UTILIZATION"} & set(fine.flags)
    assert fine.status == "OK"


def test_concentration_flags_exposure_above_the_share_of_the_portfolio_budget() -> None:
    policy = policy_with({"portfolio_budget": "100000"})  # 5 % = 5,000
    big = evaluate_account(solid_account(), [open_invoice("o", -5, amount="5000.01")], [], policy, AS_OF)
    small = evaluate_account(solid_account(), [open_invoice("o", -5, amount="5000")], [], policy, AS_OF)
    assert "CONCENTRATION" in big.flags
    assert "CONCENTRATION" not in small.flags
    # The caller may pass the group's exposure (in the account's currency): the group is what is concentrated.
    grouped = evaluate_account(solid_account(), [], [], policy, AS_OF, group_exposure=Decimal(7000))
    assert "CONCENTRATION" in grouped.flags
    assert (grouped.exposure, grouped.group_exposure) == (Decimal("0.00"), Decimal("7000.00"))


def test_review_due_when_the_next_review_date_has_come() -> None:
    overdue_review = decide([], last_review_on=(AS_OF - timedelta(days=366)).isoformat())
    assert overdue_review.next_review_on == AS_OF - timedelta(days=1)
    assert "REVIEW_DUE" in overdue_review.flags
    recent = decide([], last_review_on=(AS_OF - timedelta(days=30)).isoformat())
    assert "REVIEW_DUE" not in recent.flags
    assert recent.last_review_on == AS_OF - timedelta(days=30)


def test_status_follows_the_policy_rules() -> None:
    assert decide(paid_history(6)).status == "OK"
    assert decide([open_invoice("o", 45)]).status == "WATCH"
    assert decide([open_invoice("o", 95)]).status == "HOLD"
    strict = policy_with({"status.hold_flags": ["OVER_LIMIT", "PAST_DUE_30"]})
    assert evaluate_account(solid_account(), [open_invoice("o", 45)], [], strict, AS_OF).status == "HOLD"


def test_the_summary_is_one_line_for_a_rep() -> None:
    decision = decide([open_invoice("a", 45, amount="1200"), open_invoice("b", 35, amount="800"), open_invoice("c", 3)])
    assert decision.summary == "Limit 225,000 USD · 222,000 available · Grade B · 2 invoices 30+ days late · Watch"
    assert decide([open_invoice("c", 3)]).summary.endswith("available · Grade B · 1 invoice overdue")
    assert "\n" not in decision.summary


# --- payments recorded apart from invoices ---------------------------------------------------------


def test_receipts_date_settled_invoices_that_carry_no_paid_on() -> None:
    settled = invoice("s1", amount="1000", issued_days_ago=150, status="paid")  # due 120 days ago
    due = settled.due_on
    without = decide([settled])
    assert "invoices paid in the last 12 months" in next(
        r.text for r in without.reasons if r.code == "INSUFFICIENT_DATA_PAYMENT"
    )
    receipts = [
        payment("r1", "600", due + timedelta(days=10), "s1"),
        payment("r2", "400", due + timedelta(days=40), "s1"),
    ]
    with_receipts = evaluate_account(solid_account(), [settled], [], POLICY, AS_OF, payments=receipts)
    late = next(r for r in with_receipts.reasons if r.code == "LATE_PAYMENTS")
    assert late.text == "1 invoice paid late in the last 12 months (50 % or more of those paid), worst 31–60 days late"
    assert with_receipts.paydex == 47  # settled 40 days beyond terms: 50 - 10 x 10 / 30 = 46.7


def test_unlinked_receipts_settle_the_oldest_undated_invoices_first() -> None:
    first = invoice("i1", amount="500", issued_days_ago=200, status="paid")
    second = invoice("i2", amount="500", issued_days_ago=100, status="paid")
    receipts = [
        payment("r1", "700", first.due_on + timedelta(days=5)),  # settles i1, 200 left over
        payment("r2", "300", second.due_on + timedelta(days=70)),  # completes i2 70 days late
    ]
    decision = evaluate_account(solid_account(), [second, first], [], POLICY, AS_OF, payments=receipts)
    late = next(r for r in decision.reasons if r.code == "LATE_PAYMENTS")
    assert late.text.startswith("2 invoices paid late") and late.text.endswith("worst 61–90 days late")


# --- review dates and stability --------------------------------------------------------------------


def run(days: int, invoices: list, start: date = AS_OF, **values: object) -> list[Decision]:
    decisions: list[Decision] = []
    previous = None
    for offset in range(days):
        previous = evaluate_account(
            solid_account(**values), invoices, [], POLICY, start + timedelta(days=offset), previous
        )
        decisions.append(previous)
    return decisions


def test_an_unchanged_account_reevaluated_on_later_days_changes_nothing() -> None:
    decisions = run(60, paid_history(10))
    assert len({material_fields(d) for d in decisions}) == 1
    assert decisions[0].next_review_on == decisions[-1].next_review_on == AS_OF + timedelta(days=365)
    assert decisions[0].evaluated_at != decisions[-1].evaluated_at


def _bin(characteristic: str, value: float | None) -> int | None:
    edges = [float(e) for e in getattr(POLICY.scorecard, characteristic).edges]
    return None if value is None else bisect_right(edges, value)


def _threshold_state(decision: Decision, first_invoice: date) -> tuple[object, ...]:
    """The documented thresholds a date can cross: dunning stages, past-due edges, scorecard bins, review date."""
    day = decision.evaluated_at.date()
    tenure = (day.year - first_invoice.year) * 12 + day.month - first_invoice.month - (day.day < first_invoice.day)
    return (
        decision.dunning_stage,
        _bin("max_days_past_due", decision.max_days_past_due),
        [d for d in (30, 60, 90) if decision.max_days_past_due > d],
        _bin("paydex", decision.paydex),
        _bin("days_delinquent", None if decision.add is None else float(decision.add)),
        _bin("months_as_customer", tenure),
        decision.overdue_amount,
        "REVIEW_DUE" in decision.flags,
    )


def test_a_decision_changes_over_time_only_when_a_documented_threshold_is_crossed() -> None:
    # One invoice falls due during the run and ages past 30 and 60 days; the rest is paid history.
    invoices = [*paid_history(6), invoice("o", amount="5000", issued_days_ago=20, terms=30)]
    first_invoice = min(i.issued_on for i in invoices)
    decisions = run(120, invoices)
    changes = 0
    for before, after in pairwise(decisions):
        if material_fields(before) != material_fields(after):
            changes += 1
            assert _threshold_state(before, first_invoice) != _threshold_state(after, first_invoice), after.evaluated_at
    assert changes >= 4  # at least: falls due, first letter, past 30 days, past 60 days
    assert decisions[-1].next_review_on != decisions[0].next_review_on  # the grade fell: a new review cycle


def test_next_review_resets_only_on_grade_change_or_a_recorded_review() -> None:
    first = decide([])
    assert first.next_review_on == AS_OF + timedelta(days=365)
    later = evaluate_account(solid_account(), [], [], POLICY, AS_OF + timedelta(days=40), first)
    assert later.next_review_on == first.next_review_on
    reviewed_on = AS_OF + timedelta(days=41)
    reviewed = evaluate_account(solid_account(last_review_on=reviewed_on), [], [], POLICY, reviewed_on, later)
    assert (reviewed.last_review_on, reviewed.next_review_on) == (reviewed_on, reviewed_on + timedelta(days=365))
    worse = evaluate_account(
        solid_account(bureau_score=5, last_review_on=reviewed_on),
        [open_invoice("o", 50)],
        [],
        POLICY,
        AS_OF + timedelta(days=50),
        reviewed,
    )
    assert worse.grade != reviewed.grade
    assert worse.next_review_on == AS_OF + timedelta(days=50) + timedelta(days=POLICY.review_days.of(worse.grade))


def test_a_downgrade_is_flagged_for_the_policy_window_from_the_day_it_happened() -> None:
    good = decide([])
    assert good.grade == "A"
    bad_day = AS_OF + timedelta(days=1)
    weak = {"bureau_score": 10, "qualitative": {"management": 1, "market_position": 1, "industry_outlook": 1}}
    downgraded = evaluate_account(solid_account(**weak), [], [], POLICY, bad_day, good)
    assert downgraded.grade > good.grade
    assert downgraded.downgraded_on == bad_day
    assert "SCORE_DOWNGRADE" in downgraded.flags
    held = downgraded
    for offset in range(1, POLICY.downgrade_flag_days + 1):
        held = evaluate_account(solid_account(**weak), [], [], POLICY, bad_day + timedelta(days=offset), held)
        assert ("SCORE_DOWNGRADE" in held.flags) == (offset < POLICY.downgrade_flag_days), offset
    assert held.downgraded_on == bad_day
    upgraded = evaluate_account(solid_account(), [], [], POLICY, bad_day + timedelta(days=3), downgraded)
    assert upgraded.downgraded_on is None and "SCORE_DOWNGRADE" not in upgraded.flags


def test_evaluated_at_is_the_start_of_the_day_in_utc_unless_an_instant_is_given() -> None:
    from datetime import UTC, datetime

    assert decide([]).evaluated_at == datetime(2026, 11, 28, tzinfo=UTC)
    moment = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
    assert evaluate_account(solid_account(), [], [], POLICY, moment).evaluated_at == moment


def test_records_of_another_account_are_refused() -> None:
    from credit_core.errors import RecordError

    with pytest.raises(RecordError, match="belongs to sf/other"):
        evaluate_account(account(), [open_invoice("x", 3, account_id="other")], [], POLICY, AS_OF)


def test_material_fields_leave_out_drifting_figures() -> None:
    decision = decide([open_invoice("o", 40)])
    drifted = replace(decision, max_days_past_due=41, dso=Decimal(1), add=Decimal(2), paydex=12)
    assert material_fields(drifted) == material_fields(decision)
    assert material_fields(replace(decision, flags=())) != material_fields(decision)
