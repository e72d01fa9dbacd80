"""The HTML report opens offline: inline SVG charts, no external reference of any kind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sync.portfolio import PortfolioReport, portfolio_report
from sync.store import Store
from tests.sync.builders import Harness, account, harness, invoice
from webhooks.report import svg
from webhooks.report.html import render_report

# Anything a browser would fetch: URLs, src/href to elsewhere, CSS imports and url(), srcset, <link>, <script>.
EXTERNAL = re.compile(
    r"""(https?:|ftp:|//[a-z0-9]|\bsrc\s*=|\bsrcset\s*=|href\s*=\s*["'](?!#)|@import|url\(|<link\b|<script\b|<iframe\b)""",
    re.IGNORECASE,
)


@pytest.fixture
def report(tmp_path: object) -> Iterator[PortfolioReport]:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    with harness((store, "", None)) as h:
        _seed(h)
        h.engine().sync()
        yield portfolio_report(h.config, h.store, h.crm.now)
    store.close()


def _seed(h: Harness) -> None:
    for n in range(12):
        account(h.crm, f"A{n}", name=f"Customer <{n}> & Sons")
        invoice(
            h.crm, f"I{n}", f"A{n}", amount=str(1000 * (n + 1)), Due__c="2026-09-01" if n % 3 == 0 else "2026-11-20"
        )
    h.crm.tick(60)


def test_the_report_has_at_least_five_inline_charts_and_no_external_reference(report: PortfolioReport) -> None:
    page = render_report(report)
    assert page.count("<svg") >= 5
    assert page.count("<svg") == page.count("</svg>")
    assert not EXTERNAL.findall(page)
    for chart in ("grades", "aging", "scores", "top", "concentration"):
        assert f'id="chart-{chart}"' in page


def test_the_report_shows_dso_cei_and_the_largest_exposures_with_reasons(report: PortfolioReport) -> None:
    page = render_report(report)
    assert "DSO, days" in page and "CEI (last 30 days)" in page
    assert "The 12 largest exposures" in page
    assert page.index("Customer &lt;11&gt; &amp; Sons") < page.index(
        "Customer &lt;10&gt; &amp; Sons"
    )  # escaped, ranked
    assert "<details><summary>" in page and "decisions</summary>" in page


def test_bar_heights_follow_the_values_and_texts_are_escaped() -> None:
    chart = svg.bar_chart("A & B", ["x<1", "y"], [svg.Series("s", [Decimal(50), Decimal(100)])])
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', chart)]
    assert heights[1] == pytest.approx(2 * heights[0])
    assert "A &amp; B" in chart and "x&lt;1" in chart and "<script" not in chart


def test_a_reference_line_marks_the_cap() -> None:
    chart = svg.hbar_chart("cap", [svg.Row("big", 300), svg.Row("small", 100)], reference=("cap", 200))
    assert 'stroke-dasharray="4 3"' in chart and "cap 200" in chart


def test_an_empty_portfolio_still_renders() -> None:
    page = render_report(PortfolioReport(datetime(2026, 1, 1, tzinfo=UTC), "USD", "p+1"))
    assert page.count("<svg") >= 5 and not EXTERNAL.findall(page)
