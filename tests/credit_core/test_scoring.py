"""Scoring: reasons in plain words whose integer impacts add up exactly to score − neutral score."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credit_core import evaluate_account
from credit_core.models import Decision
from credit_core.policy import load_policy
from credit_core.reasons import allocate

from .builders import (
    AS_OF,
    SOLID_FINANCIALS,
    account,
    invoice,
    only_scorecard,
    open_invoice,
    paid_history,
    policy_with,
    solid_account,
)

POLICY = load_policy()


def reasons_of(decision: Decision) -> dict[str, tuple[str, int]]:
    return {r.code: (r.text, r.impact) for r in decision.reasons}


def assert_reasons_add_up(decision: Decision, neutral: int = 50) -> None:
    assert sum(r.impact for r in decision.reasons) == decision.score - neutral
    impacts = [r.impact for r in decision.reasons]
    assert impacts == sorted(impacts), "most negative first"
    assert all(isinstance(i, int) for i in impacts)


def test_a_solid_customer_scores_high_with_reasons_that_add_up() -> None:
    decision = evaluate_account(solid_account(), paid_history(12, days_late=-2), [], POLICY, AS_OF)
    assert decision.grade == "A"
    assert decision.score == 100  # 50 + 52 points, clamped to 100
    assert_reasons_add_up(decision)
    reasons = reasons_of(decision)
    assert reasons["PAYDEX"] == ("Payment index 80 or more in the last 12 months (80 means paying on time)", 6)
    assert reasons["BUREAU_SCORE"][0] == "Bureau score 71 or more of 100"
    assert reasons["ALTMAN_Z"][0] == "Altman Z″ score in the safe zone"
    assert reasons["INDUSTRY_RISK"] == ("Banking is a low-risk industry", 2)


def test_a_late_payer_gets_bucketed_plain_word_reasons() -> None:
    history = paid_history(4, days_late=45) + paid_history(4, days_late=0, prefix="q")
    decision = evaluate_account(account(industry="Construction"), [*history, open_invoice("o1", 70)], [], POLICY, AS_OF)
    reasons = reasons_of(decision)
    assert reasons["LATE_PAYMENTS"] == (
        "4 invoices paid late in the last 12 months (50 % or more of those paid), worst 31–60 days late",
        -8,
    )
    assert reasons["PAST_DUE"] == ("Oldest open invoice 61–90 days past due", -12)
    assert reasons["INDUSTRY_RISK"] == ("Construction is a high-risk industry", -4)
    assert_reasons_add_up(decision)


def test_texts_use_buckets_never_day_counts() -> None:
    for days_late in (17, 44, 95, 203):
        decision = evaluate_account(
            account(), [*paid_history(3, days_late=days_late), open_invoice("o", days_late)], [], POLICY, AS_OF
        )
        for reason in decision.reasons:
            assert str(days_late) not in reason.text, reason
        assert str(days_late) not in decision.summary


def test_missing_data_scores_neutral_with_insufficient_data_reasons_and_never_crashes() -> None:
    decision = evaluate_account(account(), [], [], POLICY, AS_OF)
    assert decision.score == 50
    assert decision.grade == "C"
    assert {r.code for r in decision.reasons} == {
        "INSUFFICIENT_DATA_PAYMENT",
        "INSUFFICIENT_DATA_FINANCIALS",
        "INSUFFICIENT_DATA_BUREAU",
        "INSUFFICIENT_DATA_QUALITATIVE",
        "INSUFFICIENT_DATA_PROFILE",
        "INSUFFICIENT_DATA_RELATIONSHIP",
    }
    assert all(r.impact == 0 for r in decision.reasons)
    assert reasons_of(decision)["INSUFFICIENT_DATA_FINANCIALS"][0] == "No financial statements on file"
    assert "INSUFFICIENT_DATA" in decision.flags
    assert decision.credit_limit == Decimal(10_000)  # the starter limit of grade C
    assert (decision.dso, decision.add, decision.paydex) == (None, None, None)


def test_partly_missing_financials_name_what_is_missing() -> None:
    partial = {k: v for k, v in SOLID_FINANCIALS.items() if k not in ("operating_cash_flow", "retained_earnings")}
    decision = evaluate_account(account(financials=partial), [], [], POLICY, AS_OF)
    text, impact = reasons_of(decision)["INSUFFICIENT_DATA_FINANCIALS"]
    assert text == "Financial statements incomplete: no figures for the Altman Z score, no operating cash flow"
    assert impact == 0
    assert "CURRENT_RATIO" in reasons_of(decision)


def test_open_invoices_without_a_paid_history_still_give_a_payment_score() -> None:
    decision = evaluate_account(account(), [open_invoice("o1", 10)], [], POLICY, AS_OF)
    reasons = reasons_of(decision)
    assert "PAST_DUE" not in reasons  # 1–30 days past due scores 0 points: a neutral fact is not a reason
    assert "PAYDEX" not in reasons  # 73: the neutral 70–79 bin
    assert "no invoices paid in the last 12 months" in reasons["INSUFFICIENT_DATA_PAYMENT"][0]
    assert decision.paydex == 73  # 10 days late: 80 - 10 x 10 / 15 = 73.3


def test_manufacturers_get_altman_z_prime_and_others_z_double_prime() -> None:
    maker = evaluate_account(solid_account(industry="Manufacturing"), [], [], POLICY, AS_OF)
    trader = evaluate_account(solid_account(industry="Consulting"), [], [], POLICY, AS_OF)
    assert reasons_of(maker)["ALTMAN_Z"][0].startswith("Altman Z′ score")
    assert reasons_of(trader)["ALTMAN_Z"][0].startswith("Altman Z″ score")


def test_a_distressed_balance_sheet_lowers_the_score() -> None:
    weak = dict(SOLID_FINANCIALS, current_assets="1000000", retained_earnings="-2000000", ebit="-300000")
    weak.update(equity="500000", total_liabilities="9500000", operating_cash_flow="-100000")
    reasons = reasons_of(evaluate_account(account(financials=weak), [], [], POLICY, AS_OF))
    assert reasons["ALTMAN_Z"] == ("Altman Z″ score in the distress zone", -8)
    assert reasons["CURRENT_RATIO"] == ("Current ratio under 1.0 (current assets / current liabilities)", -4)
    assert reasons["LEVERAGE"] == ("Liabilities 80 % or more of total assets", -4)
    assert reasons["OPERATING_CASH_FLOW"] == ("Negative operating cash flow", -4)


def test_a_clamped_score_still_has_impacts_summing_exactly_to_score_minus_neutral() -> None:
    awful = [open_invoice(f"o{k}", 120 + k) for k in range(3)] + paid_history(6, days_late=80)
    decision = evaluate_account(account(industry="Hospitality", established_on="2025"), awful, [], POLICY, AS_OF)
    assert decision.score == 0
    assert_reasons_add_up(decision)
    assert sum(r.impact for r in decision.reasons) == -50


def test_fractional_points_are_rounded_by_largest_remainder() -> None:
    policy = only_scorecard(
        "bureau_score", "management", **{"scorecard.bureau_score.points": ["-1.5", 0, 0, "2.5", "3.5"]}
    )
    policy = policy_with({**policy.model_dump(mode="json"), "scorecard.management.points": ["-1.5", 0, "1.4"]})
    decision = evaluate_account(account(bureau_score=90, qualitative={"management": 5}), [], [], policy, AS_OF)
    # 3.5 + 1.4 = 4.9 -> score 55; floors 3 + 1 = 4, the extra point goes to the larger remainder (0.5).
    assert decision.score == 55
    assert reasons_of(decision)["BUREAU_SCORE"][1] == 4
    assert reasons_of(decision)["MANAGEMENT"][1] == 1


def test_largest_remainder_rounding_scales_clamped_contributions() -> None:
    assert allocate([-15, -20, -8, -12, 3, -6], -50, list("abcdef")) == [-13, -17, -7, -10, 2, -5]
    assert allocate([Decimal("2.5"), Decimal("2.5"), Decimal(-1)], 4, list("abc")) == [3, 2, -1]
    assert allocate([5, -5], 0, ["a", "b"]) == [5, -5]


def test_the_same_inputs_give_the_same_decision_whatever_their_order() -> None:
    invoices = [*paid_history(8, days_late=12), open_invoice("o1", 40), open_invoice("o2", -5)]
    first = evaluate_account(solid_account(), invoices, [], POLICY, AS_OF)
    shuffled = invoices[:]
    random.Random(3).shuffle(shuffled)
    assert evaluate_account(solid_account(), shuffled, [], POLICY, AS_OF) == first
    assert evaluate_account(solid_account(), tuple(invoices), [], POLICY, AS_OF) == first


@settings(max_examples=60, deadline=None)
@given(
    late=st.lists(st.integers(-30, 200), max_size=12),
    open_days=st.lists(st.integers(-40, 200), max_size=5),
    bureau=st.one_of(st.none(), st.integers(0, 100)),
    ratings=st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5))),
    founded=st.one_of(st.none(), st.integers(1900, 2026)),
    industry=st.sampled_from([None, "Banking", "Retail", "Chemicals", "Unknown Trade"]),
)
def test_reasons_always_add_up_to_the_score(
    late: list[int],
    open_days: list[int],
    bureau: int | None,
    ratings: tuple[int, int, int] | None,
    founded: int | None,
    industry: str | None,
) -> None:
    values: dict[str, object] = {"industry": industry, "bureau_score": bureau, "established_on": founded}
    if ratings:
        values["qualitative"] = dict(zip(("management", "market_position", "industry_outlook"), ratings, strict=True))
    invoices = [invoice(f"p{k}", issued_days_ago=40 + 25 * k, paid_days_late=d) for k, d in enumerate(late)]
    invoices += [open_invoice(f"o{k}", d) for k, d in enumerate(open_days)]
    decision = evaluate_account(account(**values), invoices, [], POLICY, AS_OF)
    assert 0 <= decision.score <= 100
    assert_reasons_add_up(decision)
    assert decision.grade == POLICY.grade_of(decision.score)
    codes = [r.code for r in decision.reasons]
    assert len(codes) == len(set(codes))
    day_count = re.compile(r"(?<!–)(?<!over )\b\d+ days? (late|past due)")
    assert not any(day_count.search(r.text) for r in decision.reasons)


def test_the_neutral_score_is_the_policys() -> None:
    policy = policy_with({"neutral_score": 60, "grades": {"A": 80, "B": 70, "C": 55, "D": 40}})
    decision = evaluate_account(account(), paid_history(3), [], policy, AS_OF)
    assert sum(r.impact for r in decision.reasons) == decision.score - 60


def test_paydex_on_the_decision_weights_paid_and_open_experiences() -> None:
    # Hand-computed: 1,000 paid 15 days late (70) and 3,000 open 30 days past due (50): (70 + 150) / 4 = 55.
    invoices = [
        invoice("p", amount="1000", issued_days_ago=100, paid_days_late=15),
        open_invoice("o", 30, amount="3000"),
    ]
    assert evaluate_account(account(), invoices, [], POLICY, AS_OF).paydex == 55


def test_only_the_last_twelve_months_of_payments_count() -> None:
    old = invoice("old", issued_days_ago=500, paid_days_late=60)
    recent = invoice("new", issued_days_ago=90, paid_days_late=0)
    decision = evaluate_account(account(), [old, recent], [], POLICY, AS_OF)
    assert decision.paydex == 80
    assert reasons_of(decision)["LATE_PAYMENTS"][0] == "No invoice paid late in the last 12 months"
    assert AS_OF - timedelta(days=365) > old.paid_on  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(
    figures=st.tuples(
        *[st.integers(-5_000_000, 5_000_000)] * 4, st.integers(1, 10_000_000), st.integers(1, 10_000_000)
    ),
    manufacturer=st.booleans(),
)
def test_the_scorecards_altman_zone_agrees_with_the_reference_metric(
    figures: tuple[int, int, int, int, int, int], manufacturer: bool
) -> None:
    from credit_core.features import altman
    from credit_core.metrics import altman_z

    working_capital, retained, ebit, equity, assets, liabilities = figures
    financials = {
        "current_assets": str(working_capital + 5_000_000),
        "current_liabilities": "5000000",
        "retained_earnings": str(retained),
        "ebit": str(ebit),
        "equity": str(equity),
        "total_assets": str(assets),
        "total_liabilities": str(liabilities),
        "sales": str(assets * 2),
    }
    subject = account(industry="Manufacturing" if manufacturer else "Retail", financials=financials)
    _, zone = altman_z(
        working_capital=working_capital,
        retained_earnings=retained,
        ebit=ebit,
        equity=equity,
        total_liabilities=liabilities,
        sales=assets * 2,
        total_assets=assets,
        model="private" if manufacturer else "non_manufacturer",
    )
    assert altman(subject, POLICY) == ("Z′" if manufacturer else "Z″", zone)
