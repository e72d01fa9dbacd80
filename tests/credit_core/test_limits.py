"""Limits and terms: methods combined per policy, grade / concentration / insurance caps, rounding,
grade E, manual overrides, and currencies."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from credit_core import evaluate_account
from credit_core.errors import MissingRateError
from credit_core.limits import credit_limit, payment_terms
from credit_core.policy import load_policy

from .builders import AS_OF, account, open_invoice, paid_history, policy_with, solid_account

POLICY = load_policy()
HISTORY = paid_history(12)  # 12 x 1,000 invoiced within the last year, paid on time
ALL_METHODS = ("revenue", "net_worth", "needs", "bureau")


def only_methods(*keep: str, **changes: object) -> object:
    drop = tuple(f"limits.methods.{name}" for name in ALL_METHODS if name not in keep)
    return policy_with(dict(changes), drop=drop)


def limit_of(policy: object, **account_values: object) -> Decimal:
    return evaluate_account(solid_account(**account_values), HISTORY, [], policy, AS_OF).credit_limit  # type: ignore[arg-type]


def test_the_solid_customer_is_grade_a_in_a_low_risk_industry() -> None:
    decision = evaluate_account(solid_account(), HISTORY, [], POLICY, AS_OF)
    assert (decision.grade, decision.payment_terms_days) == ("A", 60)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("revenue", "300000"),  # 15,000,000 x 2 %
        ("net_worth", "825000"),  # (equity 6,000,000 - intangibles 500,000) x 15 %
        # needs-based: 12,000 a year / 365 x (60 days terms + 15 grace) x 1.5 headroom = 3,698.63 -> 3,500
        ("needs", "3500"),
        ("bureau", "200000"),  # the bureau's 200,000 x 100 %
    ],
)
def test_each_limit_method_alone(method: str, expected: str) -> None:
    assert limit_of(only_methods(method), bureau_limit="200000") == Decimal(expected)


@pytest.mark.parametrize(
    ("combine", "expected"),
    [
        ("min", "3500"),
        ("median", "250000"),  # (200,000 + 300,000) / 2
        # weighted (needs counts twice): (300,000 + 825,000 + 2 x 3,698.63 + 200,000) / 5 = 266,479 -> 266,000
        ("weighted", "266000"),
    ],
)
def test_methods_combine_per_policy(combine: str, expected: str) -> None:
    assert limit_of(policy_with({"limits.combine": combine}), bureau_limit="200000") == Decimal(expected)


def test_methods_without_data_are_left_out_and_the_starter_limit_covers_nothing_at_all() -> None:
    bare = evaluate_account(account(industry="Banking"), [], [], POLICY, AS_OF)
    assert bare.credit_limit == POLICY.limits.starter.of(bare.grade)


def test_the_grade_maximum_caps_the_limit() -> None:
    policy = policy_with({"limits.max.A": "120000"})
    assert limit_of(policy) == Decimal(120_000)


def test_the_concentration_cap_is_max_share_of_the_portfolio_budget() -> None:
    policy = policy_with({"portfolio_budget": "1000000", "concentration.max_share": 0.05})
    assert limit_of(policy) == Decimal(50_000)


def test_insurance_cap_mode_never_exceeds_the_insured_limit() -> None:
    assert limit_of(POLICY, insured_limit="120000") == Decimal(120_000)


def test_insurance_back_mode_lifts_the_own_risk_caps_by_the_insured_cover() -> None:
    # Computed 250,000; grade A max 100,000. Insured 120,000 with 10 % retained: cover 108,000.
    cap_mode = policy_with({"limits.max.A": "100000"})
    back_mode = policy_with({"limits.max.A": "100000", "limits.insurance_mode": "back"})
    assert limit_of(cap_mode, insured_limit="120000") == Decimal(100_000)
    assert limit_of(back_mode, insured_limit="120000") == Decimal(208_000)
    # Without insurance both modes stop at the grade maximum.
    assert limit_of(back_mode) == Decimal(100_000)


def test_limits_are_rounded_down_to_the_policy_step() -> None:
    assert limit_of(only_methods("needs", **{"limits.rounding_step": "1"})) == Decimal(3698)
    assert limit_of(only_methods("needs", **{"limits.rounding_step": "1000"})) == Decimal(3000)


def test_grade_e_means_cash_in_advance() -> None:
    awful = [open_invoice(f"o{k}", 150) for k in range(3)] + paid_history(5, days_late=90)
    decision = evaluate_account(account(industry="Hospitality", insured_limit="50000"), awful, [], POLICY, AS_OF)
    assert decision.grade == "E"
    assert decision.credit_limit == 0
    assert decision.payment_terms_days == 0
    assert decision.utilization is None
    assert decision.summary.startswith("Limit 0 USD (cash in advance) · 3,000 over limit · Grade E")
    assert decision.status == "HOLD"


@pytest.mark.parametrize(
    ("grade", "industry", "days"),
    [
        ("A", "Banking", 60),
        ("A", "Chemicals", 45),
        ("C", "Construction", 15),
        ("B", "No Such Trade", 30),
        ("E", None, 0),
    ],
)
def test_payment_terms_follow_grade_and_industry_class(grade: str, industry: str | None, days: int) -> None:
    assert payment_terms(POLICY, grade, industry) == days


# --- manual overrides ------------------------------------------------------------------------------

OVERRIDE = {"amount": "2000000", "expires_on": "2027-01-31", "reason": "strategic account", "approved_by": "cfo@x.com"}


def test_an_override_wins_uncapped_and_is_marked() -> None:
    decision = evaluate_account(solid_account(limit_override=OVERRIDE), HISTORY, [], POLICY, AS_OF)
    assert decision.credit_limit == Decimal(2_000_000)  # above grade A's 1,000,000 maximum
    marker = next(r for r in decision.reasons if r.code == "LIMIT_OVERRIDE")
    assert marker.impact == 0
    assert marker.text == "Limit set manually to 2,000,000 USD by cfo@x.com until 2027-01-31: strategic account"
    assert sum(r.impact for r in decision.reasons) == decision.score - 50
    assert decision.summary.startswith("Limit 2,000,000 USD (manual until 2027-01-31) · ")


def test_flags_still_apply_to_an_override() -> None:
    small = {"amount": "500", "expires_on": "2027-06-30"}
    decision = evaluate_account(solid_account(limit_override=small), [open_invoice("o", 5)], [], POLICY, AS_OF)
    assert decision.credit_limit == 500
    assert "OVER_LIMIT" in decision.flags
    assert decision.status == "HOLD"


def test_an_override_holds_through_its_expiry_day_and_then_lapses() -> None:
    override = {"amount": "2000000", "expires_on": "2026-12-10"}
    last_day = evaluate_account(solid_account(limit_override=override), HISTORY, [], POLICY, date(2026, 12, 10))
    after = evaluate_account(solid_account(limit_override=override), HISTORY, [], POLICY, date(2026, 12, 11))
    assert last_day.credit_limit == Decimal(2_000_000)
    assert after.credit_limit == Decimal(300_000)
    assert "LIMIT_OVERRIDE" not in {r.code for r in after.reasons}


def test_override_expiring_is_flagged_within_the_policy_window() -> None:
    expiring = {"amount": "90000", "expires_on": (AS_OF + timedelta(days=14)).isoformat()}
    later = {"amount": "90000", "expires_on": (AS_OF + timedelta(days=15)).isoformat()}
    assert "OVERRIDE_EXPIRING" in evaluate_account(solid_account(limit_override=expiring), [], [], POLICY, AS_OF).flags
    assert "OVERRIDE_EXPIRING" not in evaluate_account(solid_account(limit_override=later), [], [], POLICY, AS_OF).flags
    open_ended = {"amount": "90000"}
    assert (
        "OVERRIDE_EXPIRING"
        not in evaluate_account(solid_account(limit_override=open_ended), [], [], POLICY, AS_OF).flags
    )


def test_an_override_in_another_currency_is_converted() -> None:
    override = {"amount": "100000", "currency": "EUR"}
    decision = evaluate_account(solid_account(limit_override=override), [], [], POLICY, AS_OF, fx_rates={"EUR": "1.08"})
    assert decision.credit_limit == Decimal("108000.00")


# --- currencies ------------------------------------------------------------------------------------


def test_an_account_in_another_currency_gets_its_limit_converted_then_rounded_once() -> None:
    rates = {"EUR": "1.08"}
    revenue_only = only_methods("revenue")
    # 15,000,000 EUR = 16,200,000 USD x 2 % = 324,000 USD = 300,000 EUR
    eur = evaluate_account(solid_account(currency="EUR"), [], [], revenue_only, AS_OF, fx_rates=rates)
    assert (eur.credit_limit, eur.currency) == (Decimal(300_000), "EUR")
    # Capped at grade A's 1,000,000 USD = 925,925.93 EUR, rounded down to the 500 step.
    big = evaluate_account(
        solid_account(currency="EUR", annual_revenue="100000000"), [], [], revenue_only, AS_OF, fx_rates=rates
    )
    assert big.credit_limit == Decimal(925_500)


def test_invoices_in_other_currencies_are_converted_into_the_account_currency() -> None:
    decision = evaluate_account(
        solid_account(),
        [open_invoice("e", 5, amount="1000", currency="EUR")],
        [],
        POLICY,
        AS_OF,
        fx_rates={"EUR": 1.08},
    )
    assert decision.exposure == Decimal("1080.00")


def test_a_missing_rate_is_an_error_naming_the_currency_never_a_silent_one() -> None:
    with pytest.raises(MissingRateError, match="'EUR'") as caught:
        evaluate_account(solid_account(currency="EUR"), [], [], POLICY, AS_OF)
    assert caught.value.currency == "EUR"
    with pytest.raises(MissingRateError, match="'GBP'"):
        evaluate_account(
            solid_account(), [open_invoice("g", 5, currency="GBP")], [], POLICY, AS_OF, fx_rates={"EUR": 1}
        )


def test_bad_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        evaluate_account(solid_account(), [], [], POLICY, AS_OF, fx_rates={"EUR": "0"})


def test_the_workings_say_what_bound_the_limit() -> None:
    from credit_core.behaviour import summarise
    from credit_core.fx import Converter

    fx = Converter("USD", "USD", {})
    behaviour = summarise(HISTORY, AS_OF, 365, fx)
    workings = credit_limit(solid_account(), behaviour, policy_with({"limits.max.A": "1000"}), "A", 60, fx, AS_OF)
    assert (workings.credit_limit, workings.bound_by) == (Decimal(1000), "grade_max")
    assert set(workings.methods) == {"revenue", "net_worth", "needs"}
