"""Each metric against a published worked example (cited), or a hand-computed case labelled as such."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from credit_core import metrics


def close(value: Decimal | None, expected: str, places: int = 2) -> bool:
    assert value is not None
    return round(value, places) == Decimal(expected)


# --- DSO, best possible DSO, ADD -------------------------------------------------------------------


def test_dso_bpdso_and_add_match_creditguru() -> None:
    # CreditGuru, "Ratio - Average Days Delinquent (ADD)": AR 15,000, current 4,000, sales 10,000 over
    # 30 days -> regular DSO 45, best possible DSO 12, ADD 33.
    assert metrics.dso_simple(15_000, 10_000, 30) == 45
    assert metrics.best_possible_dso(4_000, 10_000, 30) == 12
    assert metrics.average_days_delinquent(15_000, 4_000, 10_000, 30) == 33


def test_dso_bpdso_and_add_match_quadient() -> None:
    # Quadient / YayPay, "What is Average Days Delinquent?": AR 25,000, current 6,000, sales 15,000 in
    # 30 days -> DSO 50, best DSO 12, ADD 38.
    assert metrics.dso_simple(25_000, 15_000, 30) == 50
    assert metrics.best_possible_dso(6_000, 15_000, 30) == 12
    assert metrics.average_days_delinquent(25_000, 6_000, 15_000, 30) == 38


def test_best_possible_dso_uses_the_days_given_not_vcalcs_356() -> None:
    # credit.md §2.3: vcalc prints "x 356"; a year is 365 days (hand-computed: 1,000 / 36,500 x 365 = 10).
    assert metrics.best_possible_dso(1_000, 36_500, 365) == 10


def test_dso_is_undefined_without_sales() -> None:
    assert metrics.dso_simple(500, 0, 30) is None
    assert metrics.average_days_delinquent(500, 100, 0, 30) is None


# --- Countback DSO ---------------------------------------------------------------------------------


def test_countback_dso_matches_benji_pays_with_30_day_months() -> None:
    # Benji Pays support, "Mastering DSO Calculation: The Count-Back Method Explained": AR 212,000; months
    # (most recent first) 100,000 / 80,000 / 70,000; 30-day months -> 60 + 32,000 / 70,000 x 30 = 73.71.
    assert close(metrics.dso_countback(212_000, [100_000, 80_000, 70_000]), "73.71")


def test_countback_dso_with_calendar_days_follows_calculator7() -> None:
    # calculator7, "Debtor Days Calculation Count Back Method": AR 2,100,000; March 900,000 (31 days),
    # February 800,000 (28), January 700,000 (31): 31 + 28 + 400,000 / 700,000 x 31 = 76.71 days
    # (the page's method; the total is computed here because the stored copy is cut before it).
    result = metrics.dso_countback(2_100_000, [900_000, 800_000, 700_000], [31, 28, 31])
    assert close(result, "76.71")


def test_countback_dso_day_convention_changes_the_answer() -> None:
    # Credit Today (academy.highako.com): "that will be 28, 30 or 31 days of your DSO right there".
    thirty = metrics.dso_countback(2_100_000, [900_000, 800_000, 700_000], 30)
    assert close(thirty, "77.14")  # 30 + 30 + 400/700 x 30


def test_countback_dso_counts_unexhausted_receivables_at_the_oldest_months_pace() -> None:
    # Hand-computed: 500 of receivables, two months of 100 sales: 60 days + 300 / 100 x 30 = 150.
    assert metrics.dso_countback(500, [100, 100]) == 150
    with pytest.raises(ValueError, match="one figure per month"):
        metrics.dso_countback(500, [100, 100], [30])


# --- CEI -------------------------------------------------------------------------------------------


def test_cei_monthly_average_variant_matches_creditguru() -> None:
    # CreditGuru, "Ratio - Collection Effectiveness Index (CEI)": Jan-Mar sales 10,890 (N = 3), beginning
    # AR 6,200, ending total 6,340, ending current 3,590 -> CEI 55.9 %.
    assert close(metrics.collection_effectiveness_index(6_200, 10_890, 6_340, 3_590, months=3), "55.9", 1)


def test_cei_period_total_variant_matches_rex() -> None:
    # rex.inc glossary, "Collection effectiveness index": beginning 400,000, quarter sales 1,200,000,
    # ending total 350,000, ending current 280,000 -> 94.7 % (sales used as the period total).
    assert close(metrics.collection_effectiveness_index(400_000, 1_200_000, 350_000, 280_000), "94.7", 1)


# --- PAYDEX ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "index"), metrics.PAYDEX_KEY)
def test_paydex_key_points_follow_the_dnb_key(days: int, index: int) -> None:
    # D&B PAYDEX key (docs.dnb.com FAQ): 100 anticipates (30 days early), 90 discounts, 80 prompt,
    # 70 = 15 DBT, 60 = 22, 50 = 30, 40 = 60, 30 = 90, 20 = 120; 180 days is the bottom of the scale.
    assert metrics.paydex_from_days(days) == index
    assert metrics.paydex_to_days(index) == days


def test_paydex_is_one_point_per_day_early_and_two_days_per_point_to_prompt() -> None:
    # dandb.com glossary's fine chart: 100 = 30 days sooner down to 90 = 20 sooner at one day per point,
    # then two days per point to 80 = prompt.
    assert metrics.paydex_from_days(-25) == 95
    assert metrics.paydex_from_days(-10) == 85
    assert metrics.paydex_to_days(95) == -25


def test_paydex_interpolates_rounds_half_up_and_clamps() -> None:
    # Hand-computed from the key: 31.5 days is between 30 -> 50 and 60 -> 40: 50 - 1.5 / 3 = 49.5 -> 50.
    assert metrics.paydex_from_days(Decimal("31.5")) == 50
    assert metrics.paydex_from_days(150) == 11  # 20 - 30 x 19 / 60 = 10.5 -> 11
    assert metrics.paydex_from_days(-45) == 100
    assert metrics.paydex_from_days(400) == 1
    assert metrics.paydex_to_days(75) == Decimal("7.5")


def test_paydex_is_dollar_weighted() -> None:
    # Hand-computed (no trustworthy published weighting example exists, credit.md §2.12):
    # 1,000 paid 25 days early (95), 3,000 paid 10 days late (73.3 -> 73), 6,000 paid 45 days late (45):
    # (1,000 x 95 + 3,000 x 73 + 6,000 x 45) / 10,000 = 58.4 -> 58.
    assert metrics.paydex([(1_000, -25), (3_000, 10), (6_000, 45)]) == 58
    # One prompt (80) and one a day late (79.3 -> 79) of equal amounts: 79.5 rounds half up to 80.
    assert metrics.paydex([(500, 0), (500, 1)]) == 80
    assert metrics.paydex([]) is None
    with pytest.raises(ValueError, match="negative"):
        metrics.paydex([(-1, 0)])


# --- Altman Z family -------------------------------------------------------------------------------


def test_altman_z_public_matches_a_published_textbook_answer() -> None:
    # WizEdu Q366502 (Altman 1968 coefficients): WC/TA 0.34, RE/TA 0.15, EBIT/TA 0, MVE/TL 0.80,
    # sales/TA 1.6 -> Z = 2.70, the grey zone (1.81-2.99).
    z, zone = metrics.altman_z(
        working_capital=34, retained_earnings=15, ebit=0, equity=80, total_liabilities=100, sales=160, total_assets=100
    )
    assert close(z, "2.70")
    assert zone == "grey"


FIRM = {
    "working_capital": 200,
    "retained_earnings": 300,
    "ebit": 100,
    "equity": 500,
    "total_liabilities": 400,
    "sales": 1_500,
    "total_assets": 1_000,
}


def test_altman_z_prime_hand_computed_from_altman_2000_coefficients() -> None:
    # Hand-computed: X = (0.2, 0.3, 0.1, 1.25, 1.5):
    # 0.717 x 0.2 + 0.847 x 0.3 + 3.107 x 0.1 + 0.420 x 1.25 + 0.998 x 1.5 = 2.7302 -> grey (1.23-2.90).
    z, zone = metrics.altman_z(**FIRM, model="private")
    assert z == Decimal("2.7302")
    assert zone == "grey"
    public, public_zone = metrics.altman_z(**FIRM)  # 0.24 + 0.42 + 0.33 + 0.75 + 1.5 = 3.24
    assert (public, public_zone) == (Decimal("3.24"), "safe")


def test_altman_z_double_prime_hand_computed_and_not_the_seether_exercise() -> None:
    # Hand-computed with Altman, Hartzell & Peck's Z'' = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4:
    # 1.312 + 0.978 + 0.672 + 1.3125 = 4.2745 (safe). The "Seether, LLC" textbook exercise swaps the
    # EBIT and equity/TL weights, which would give 1.312 + 0.978 + 0.105 + 8.4 = 10.795.
    z, zone = metrics.altman_z(**FIRM, model="non_manufacturer")
    assert z == Decimal("4.2745")
    assert zone == "safe"
    distressed = {**FIRM, "working_capital": -50, "retained_earnings": -100, "ebit": -20, "equity": 90}
    distressed["total_liabilities"] = 900
    # -0.328 - 0.326 - 0.1344 + 1.05 x 0.1 = -0.6834 -> distress
    assert metrics.altman_z(**distressed, model="non_manufacturer") == (Decimal("-0.6834"), "distress")


def test_altman_z_double_prime_uses_its_own_cutoffs_not_creditgurus() -> None:
    # credit.md §2.8: CreditGuru's Z'' page repeats Z''s 2.90 / 1.23; Z'' cut-offs are 2.60 / 1.10.
    only_equity = {**FIRM, "working_capital": 0, "retained_earnings": 0, "ebit": 0, "total_liabilities": 100}
    assert metrics.altman_z(**{**only_equity, "equity": 260}, model="non_manufacturer") == (
        Decimal("2.73"),
        "safe",
    )
    assert metrics.altman_z(**{**only_equity, "equity": 110}, model="non_manufacturer") == (
        Decimal("1.155"),
        "grey",
    )


def test_altman_z_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(ValueError, match="positive total assets"):
        metrics.altman_z(**{**FIRM, "total_liabilities": 0})
    with pytest.raises(ValueError, match="needs sales"):
        metrics.altman_z(**{**FIRM, "sales": None}, model="private")
    assert metrics.altman_z(**{**FIRM, "sales": None}, model="non_manufacturer")[1] == "safe"


# --- Scorecard scaling -----------------------------------------------------------------------------


def test_scorecard_scaling_matches_siddiqi() -> None:
    # Siddiqi, "Credit Risk Scorecards" (2006), scaling example: 600 points at 50:1 good:bad odds,
    # 20 points to double the odds -> factor = 20 / ln 2 = 28.8539, offset = 600 - 28.8539 ln 50 = 487.123.
    factor, offset = metrics.scorecard_scaling(20, 600, 50)
    assert close(factor, "28.8539", 4)
    assert close(offset, "487.123", 3)
    assert close(metrics.score_at_odds(50, 20, 600, 50), "600")
    assert close(metrics.score_at_odds(100, 20, 600, 50), "620")


# --- Dunning charges -------------------------------------------------------------------------------


def test_dunning_charges_match_erpnext_tests() -> None:
    # frappe/erpnext accounts/doctype/dunning/test_dunning.py, test_dunning_with_fees_and_interest:
    # outstanding 100, 10 % a year, 15 days overdue, fee 10 -> interest 0.41, dunning 10.41, total 110.41.
    interest, dunning, total = metrics.dunning_charges(100, 10, 15, 10)
    assert (round(interest, 2), round(dunning, 2), round(total, 2)) == (
        Decimal("0.41"),
        Decimal("10.41"),
        Decimal("110.41"),
    )
    # ...and test_dunning_with_zero_interest_rate (earlier version): fee 20, 0 % -> 0 / 20 / 120.
    assert metrics.dunning_charges(100, 0, 20, 20) == (Decimal(0), Decimal(20), Decimal(120))


def test_dunning_interest_day_count_is_a_parameter() -> None:
    interest, _, _ = metrics.dunning_charges(36_000, 10, 30, 0, day_count=360)  # hand-computed: 300
    assert interest == 300


# --- Aging -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    balance: Decimal | None
    due_on: date


def test_aging_buckets_split_open_balances_by_days_past_due_with_inclusive_upper_bounds() -> None:
    # Hand-computed; boundaries as ERPNext's AR ageing (0-30, 31-60 ... inclusive upper bound).
    as_of = date(2026, 6, 30)
    items = [
        Item(Decimal(100), as_of),  # due today: current
        Item(Decimal(10), as_of + timedelta(days=5)),  # not yet due
        Item(Decimal(20), as_of - timedelta(days=1)),
        Item(Decimal(30), as_of - timedelta(days=30)),
        Item(Decimal(40), as_of - timedelta(days=31)),
        Item(Decimal(50), as_of - timedelta(days=90)),
        Item(Decimal(60), as_of - timedelta(days=91)),
        Item(Decimal(-5), as_of - timedelta(days=45)),  # a credit note reduces its bucket
        Item(None, as_of - timedelta(days=200)),
    ]
    buckets = metrics.aging_buckets(items, as_of)
    assert list(buckets) == ["current", "1-30", "31-60", "61-90", "90+"]
    assert buckets == {
        "current": Decimal(110),
        "1-30": Decimal(50),
        "31-60": Decimal(35),
        "61-90": Decimal(50),
        "90+": Decimal(60),
    }


def test_aging_edges_are_a_parameter() -> None:
    as_of = date(2026, 6, 30)
    buckets = metrics.aging_buckets([Item(Decimal(7), as_of - timedelta(days=100))], as_of, edges=(30, 60, 90, 120))
    assert list(buckets) == ["current", "1-30", "31-60", "61-90", "91-120", "120+"]
    assert buckets["91-120"] == 7
    with pytest.raises(ValueError, match="increasing"):
        metrics.aging_buckets([], as_of, edges=(60, 30))


def test_metrics_take_floats_without_binary_noise() -> None:
    assert metrics.dso_simple(0.3, 0.1, 30) == Decimal(90)
