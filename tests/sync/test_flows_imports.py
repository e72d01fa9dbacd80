"""`import financials|insurance`: bad rows quarantined, good ones loaded; imports feed evaluation.

Insurance end to end (store → import → evaluate): in `cap` mode the insured limit caps the limit, in
`back` mode the insurer's share of it lifts the policy's own caps.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sync.imports import Importer
from sync.store import Store
from sync.store.supplements import count_rejects
from tests.credit_core.builders import paid_history, solid_account
from tests.sync.flows import NOW, config, current, evaluate, policy_file, put, write_csv

COVER = "source,crm_id,amount,currency,valid_from,expires_on,insurer"


def importer(store: Store) -> Importer:
    return Importer(store, ["sf"], lambda: NOW)


def stocked(store: Store) -> None:
    """Two good customers with a year of prompt payments."""
    put(store, [solid_account("A1"), solid_account("B1"), *paid_history(8, prefix="a", account_id="A1"),
                *paid_history(8, prefix="b", account_id="B1")])  # fmt: skip


def test_bad_rows_are_quarantined_with_line_column_and_value_the_rest_loaded(store: Store, tmp_path: Path) -> None:
    stocked(store)
    csv = write_csv(
        tmp_path / "cover.csv", COVER,
        "sf,A1,100000,USD,2026-01-01,2026-12-31,Atradius",
        "sf,B1,abc,USD,2026-01-01,,Coface",
        "sf,Z9,5000,USD,2026-01-01,,Coface",
        "sf,B1,-5,USD,2026-01-01,,Coface",
        "sf,B1,5000,USD,2026-06-01,2026-01-01,Coface",
        "sf,A1,90000,USD,2026-01-01,,Allianz Trade",
        "crm2,B1,5000,USD,,,Coface",
    )  # fmt: skip
    report = importer(store).run("insurance", csv)
    assert report.loaded == 1 and report.accounts == [("sf", "A1")]
    refused = {q["line"]: (q["column"], q["value"]) for q in report.quarantined}
    assert refused == {3: ("amount", "abc"), 4: ("crm_id", "Z9"), 5: ("amount", "-5"),
                       6: ("expires_on", "2026-01-01"), 7: (None, None), 8: ("source", "crm2")}  # fmt: skip
    assert report.lines()[0] == "cover.csv line 3, column amount, value 'abc': not a number"
    with store.read() as conn:
        assert count_rejects(conn) == 6


def test_imported_statements_newer_than_the_crms_feed_the_altman_reason(store: Store, tmp_path: Path) -> None:
    stocked(store)
    cfg = config("sqlite://")
    evaluate(cfg, store)
    assert "statements of" not in " ".join(r.text for r in current(store, "A1").reasons)
    figures = "total_assets,total_liabilities,current_assets,current_liabilities,retained_earnings,ebit,sales,equity"
    csv = write_csv(tmp_path / "fin.csv", f"source,crm_id,as_of,{figures}",
                    "sf,A1,2026-06-30,1000000,950000,200000,400000,-300000,-150000,900000,50000")  # fmt: skip
    assert importer(store).run("financials", csv).loaded == 1
    evaluate(cfg, store)
    altman = next(r for r in current(store, "A1").reasons if r.code == "ALTMAN_Z")
    assert "distress zone (statements of 2026-06-30)" in altman.text
    assert altman.impact < 0


def _limits_with_cover(store: Store, tmp_path: Path, mode: str) -> tuple[Decimal, Decimal]:
    stocked(store)
    # Small grade caps, so that the caps (not the limit methods) bind and the insurance can show.
    caps = {f"limits.max.{g}": "50000" for g in "ABCD"}
    cfg = config("sqlite://", policy_file(tmp_path, {**caps, "limits.insurance_mode": mode}))
    evaluate(cfg, store)
    uninsured = current(store, "A1").credit_limit
    importer(store).run("insurance", write_csv(tmp_path / "c.csv", COVER, "sf,A1,30000,USD,2026-01-01,,Atradius"))
    evaluate(cfg, store)
    return uninsured, current(store, "A1").credit_limit


def test_in_cap_mode_the_insured_limit_caps_the_limit(store: Store, tmp_path: Path) -> None:
    uninsured, insured = _limits_with_cover(store, tmp_path, "cap")
    assert uninsured == Decimal("50000")
    assert insured == Decimal("30000")
    assert current(store, "B1").credit_limit == Decimal("50000")  # B1 has no cover


def test_in_back_mode_the_insurers_share_lifts_the_caps(store: Store, tmp_path: Path) -> None:
    uninsured, insured = _limits_with_cover(store, tmp_path, "back")
    assert uninsured == Decimal("50000")
    assert insured == Decimal("77000")  # 50,000 own cap + 30,000 × (1 − 10 % retained)
