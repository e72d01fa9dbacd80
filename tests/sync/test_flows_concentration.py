"""The report's concentration section read from the store: groups over the cap carry the flag and are listed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rich.console import Console

from cli.concentration_view import concentration_json, concentration_tables
from credit_core.policy import load_policy
from sync.concentration import read_concentration
from sync.store import Store
from tests.credit_core.builders import open_invoice, paid_history, solid_account
from tests.sync.flows import config, current, evaluate, policy_file, put


def test_a_group_above_the_cap_is_flagged_and_listed_with_industry_and_country_shares(
    store: Store, tmp_path: Path
) -> None:
    put(store, [
        solid_account("P1", country="Germany"), solid_account("C1", parent_crm_id="P1", country="Germany",
                                                              industry="Retail"),
        solid_account("S1", country="Canada"),
        open_invoice("p", -5, amount="30000", account_id="P1"), open_invoice("c", -5, amount="30000", account_id="C1"),
        open_invoice("s", -5, amount="10000", account_id="S1"), *paid_history(4, prefix="h", account_id="S1"),
    ])  # fmt: skip
    path = policy_file(tmp_path, {"portfolio_budget": "1000000", "concentration.max_share": 0.05})  # cap 50,000
    evaluate(config("sqlite://", path), store)
    assert "CONCENTRATION" in current(store, "C1").flags and "CONCENTRATION" in current(store, "P1").flags
    assert "CONCENTRATION" not in current(store, "S1").flags

    result, unconverted = read_concentration(store, load_policy(path))

    assert unconverted == 0 and result.groups == 2
    assert [(b.group, b.members, b.exposure) for b in result.breaches] == [(("sf", "P1"), 2, Decimal("60000.00"))]
    assert result.top_share[1] == Decimal("0.8571")  # 60,000 of 70,000
    assert result.herfindahl == Decimal("0.7551")  # (6/7)² + (1/7)²
    assert set(result.by_country) == {"Germany", "Canada"}
    assert result.by_industry["Retail"].exposure == Decimal("30000.00")
    shown = concentration_json(result)
    assert shown["breaches"][0]["group"] == "P1" and shown["top_share"]["top 1"] == "0.8571"
    console = Console(record=True, width=120)
    for table in concentration_tables(result, "USD"):
        console.print(table)
    assert "groups above the cap" in console.export_text()
