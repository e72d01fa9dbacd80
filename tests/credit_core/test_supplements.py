"""Imported statements and covers onto an account: which statement counts, which cover is in force."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from credit_core.fx import Converter
from credit_core.models import Financials
from credit_core.supplements import InsuranceCover, cover_on, statement_on, with_supplements
from tests.credit_core.builders import account

DAY = date(2026, 11, 28)
USD = Converter("USD", "USD", {})


def statement(as_of: date | None, **figures: str) -> Financials:
    return Financials(as_of=as_of, **{k: Decimal(v) for k, v in figures.items()})


def test_the_newer_statement_wins_whole_and_figures_of_different_years_never_mix() -> None:
    crm = statement(date(2025, 12, 31), total_assets="100", ebit="9")
    imported = statement(date(2026, 6, 30), total_assets="120")
    assert statement_on(crm, [imported], DAY) == imported
    older = statement(date(2024, 12, 31), total_assets="80", sales="70")
    assert statement_on(crm, [older], DAY) == crm


def test_on_the_same_date_imported_figures_win_and_the_crm_fills_the_gaps() -> None:
    crm = statement(date(2025, 12, 31), total_assets="100", ebit="9")
    imported = statement(date(2025, 12, 31), total_assets="110", sales="300")
    merged = statement_on(crm, [imported], DAY)
    assert merged == statement(date(2025, 12, 31), total_assets="110", ebit="9", sales="300")


def test_a_statement_dated_after_the_day_is_not_known_yet_and_an_undated_crm_one_is_a_last_resort() -> None:
    future = statement(date(2026, 12, 31), total_assets="500")
    undated = statement(None, total_assets="90")
    assert statement_on(undated, [future], DAY) == undated
    assert statement_on(future, [], DAY) is None
    dated = statement(date(2020, 1, 1), total_assets="1")
    assert statement_on(undated, [dated], DAY) == dated


def test_the_cover_in_force_with_the_latest_start_wins_and_an_expired_one_leaves_the_crm_value() -> None:
    old = InsuranceCover(amount=Decimal("50000"), valid_from=date(2025, 1, 1))
    new = InsuranceCover(amount=Decimal("80000"), valid_from=date(2026, 1, 1), expires_on=date(2026, 12, 31))
    assert cover_on([new, old], DAY) == new
    assert cover_on([new, old], date(2027, 1, 1)) == old
    lapsed = InsuranceCover(amount=Decimal("80000"), expires_on=date(2026, 1, 31))
    crm = account(insured_limit="30000", currency="USD")
    assert with_supplements(crm, [], [lapsed], DAY, USD).insured_limit == Decimal("30000")
    assert with_supplements(crm, [], [new], DAY, USD).insured_limit == Decimal("80000")


def test_a_cover_in_another_currency_is_converted_into_the_accounts_currency() -> None:
    eur_account = account(currency="EUR")
    cover = InsuranceCover(amount=Decimal("100000"), currency="USD")
    fx = Converter("USD", "EUR", {"EUR": Decimal("1.25")})
    assert with_supplements(eur_account, [], [cover], DAY, fx).insured_limit == Decimal("80000.00")
