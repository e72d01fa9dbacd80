"""Concentration: top-N share and Herfindahl by group, limit shares by industry and country, cap breaches."""

from __future__ import annotations

from decimal import Decimal

from credit_core import evaluate_account
from credit_core.concentration import Position, concentration, herfindahl
from tests.credit_core.builders import AS_OF, open_invoice, policy_with, solid_account


def position(crm_id: str, exposure: str, limit: str, industry: str, country: str, group: str | None = None) -> Position:
    return Position(("sf", crm_id), ("sf", group or crm_id), industry, country, Decimal(exposure), Decimal(limit))


def test_herfindahl_is_the_sum_of_squared_shares() -> None:
    # Shares 0.5, 0.3, 0.2: 0.25 + 0.09 + 0.04 = 0.38 (the HHI of the textbook three-firm example).
    assert herfindahl([Decimal(50), Decimal(30), Decimal(20)]) == Decimal("0.38")
    assert herfindahl([Decimal(10)] * 4) == Decimal("0.25")
    assert herfindahl([]) == 0


def test_groups_are_summed_before_shares_and_the_cap_marks_breaches() -> None:
    book = [
        position("a1", "400", "500", "Retail", "Germany", group="a"),
        position("a2", "200", "300", "Banking", "Germany", group="a"),
        position("b", "300", "600", "Retail", "Canada"),
        position("c", "100", "600", "Energy", "Canada"),
    ]
    result = concentration(book, max_share=Decimal("0.05"), portfolio_budget=Decimal("10000"), top_n=(1, 2))
    assert result.groups == 3
    assert result.top_share == {1: Decimal("0.6"), 2: Decimal("0.9")}
    assert result.herfindahl == Decimal("0.46")  # 0.6² + 0.3² + 0.1²
    assert result.by_industry["Retail"].limit_share == Decimal("0.55")  # 1100 of 2000
    assert result.by_country["Canada"].exposure_share == Decimal("0.4")
    assert [(b.group, b.members, b.exposure) for b in result.breaches] == [(("sf", "a"), 2, Decimal("600"))]


def test_group_exposure_above_the_cap_sets_concentration_and_bounds_the_limit() -> None:
    policy = policy_with({"portfolio_budget": "1000000", "concentration.max_share": 0.05})  # cap 50,000
    customer = solid_account(annual_revenue="900000000")
    alone = evaluate_account(customer, [open_invoice("i1", -5, amount="20000")], [], policy, AS_OF)
    assert "CONCENTRATION" not in alone.flags
    assert alone.credit_limit <= Decimal("50000")
    grouped = evaluate_account(
        customer, [open_invoice("i1", -5, amount="20000")], [], policy, AS_OF, group_exposure=Decimal("50000.01")
    )
    assert "CONCENTRATION" in grouped.flags
    assert grouped.status == "WATCH"
