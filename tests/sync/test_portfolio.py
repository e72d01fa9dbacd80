"""The portfolio report's figures, checked against a portfolio small enough to add up by hand."""

from __future__ import annotations

from decimal import Decimal

from sync.portfolio import portfolio_report
from sync.store import Store
from tests.sync.builders import Harness, account, harness, invoice

Target = tuple[Store, str, str | None]


def _seed(h: Harness) -> None:
    """Now is 2026-11-01. A1 owes 1,000 not yet due and 500 paid; A2 owes 2,000 45 days late; A3 owes 300."""
    account(h.crm, "A1", name="Alpha")
    invoice(h.crm, "I1", "A1", amount="1000", Issued__c="2026-10-20", Due__c="2026-11-19")
    invoice(h.crm, "I2", "A1", amount="500", Balance__c=0.0, Status__c="Paid", Issued__c="2026-08-01",
            Due__c="2026-08-31")  # fmt: skip
    account(h.crm, "A2", name="Beta")
    invoice(h.crm, "I3", "A2", amount="2000", Issued__c="2026-08-18", Due__c="2026-09-17")
    account(h.crm, "A3", name="Gamma", parent="A2")
    invoice(h.crm, "I4", "A3", amount="300", Issued__c="2026-09-25", Due__c="2026-10-25")
    h.crm.tick(60)


def test_totals_grades_and_ranking_add_up(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        report = portfolio_report(h.config, h.store, h.crm.now)
    assert (report.accounts, report.evaluated) == (3, 3)
    assert report.total_exposure == Decimal("3300")
    assert sum(g["accounts"] for g in report.by_grade.values()) == 3
    assert sum(report.by_status.values()) == 3 and sum(report.score_bins.values()) == 3
    assert [e.name for e in report.top] == ["Beta", "Alpha", "Gamma"]
    beta = report.top[0]
    assert beta.group_exposure_base == Decimal("2300")  # Gamma belongs to Beta's group
    assert beta.history and beta.history[0]["grade"] == beta.grade
    assert report.concentration is not None
    assert report.concentration.top_share[1] == (Decimal(2300) / Decimal(3300)).quantize(Decimal("0.0001"))


def test_aging_dso_and_cei_follow_the_published_formulas(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        report = portfolio_report(h.config, h.store, h.crm.now)
    rc = report.receivables
    assert rc is not None
    assert rc.aging == {"current": Decimal(1000), "1-30": Decimal(300), "31-60": Decimal(2000),
                        "61-90": Decimal(0), "90+": Decimal(0)}  # fmt: skip
    # Sales of the last 90 days (issued after 2026-08-03): 1,000 + 2,000 + 300.
    assert rc.sales_dso_period == Decimal(3300)
    assert rc.dso == Decimal("90.0")  # 3,300 open / 3,300 sold × 90 days
    assert rc.best_possible_dso == Decimal("27.3")  # 1,000 current / 3,300 × 90
    assert rc.average_days_delinquent == Decimal("62.7")
    # CEI month from 2026-10-02: receivables then 2,000 + 300 (the 500 was paid in August), sales since 1,000.
    assert (rc.beginning_cei, rc.sales_cei_period) == (Decimal(2300), Decimal(1000))
    assert rc.cei == Decimal("0.0")  # nothing was collected: (3,300 − 3,300) / (3,300 − 1,000)


def test_a_currency_without_a_rate_is_left_out_and_counted(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.crm.put("Account", "A4", Name="Delta", ParentId=None, CurrencyIsoCode="EUR")
        invoice(h.crm, "I5", "A4", amount="100", CurrencyIsoCode="EUR")
        h.crm.tick(60)
        h.engine().sync()
        report = portfolio_report(h.config, h.store, h.crm.now)
    assert report.evaluated == 3 and report.total_exposure == Decimal(3300)
    assert report.receivables is not None and report.receivables.unconverted == {"EUR": 1}
