"""The report's charts, each drawn from a PortfolioReport with the inline-SVG kit."""

from __future__ import annotations

from decimal import Decimal

from sync.portfolio import PortfolioReport
from webhooks.report.svg import PALETTE, Row, Series, bar_chart, compact, hbar_chart, plain

GRADE_COLORS = ("#3ebd93", "#8bd3b4", "#f0b429", "#f08c2e", "#d64545")
AGING_COLORS = ("#3ebd93", "#f0b429", "#f08c2e", "#e0663a", "#d64545")
STATUS_COLORS = {"OK": "#3ebd93", "WATCH": "#f0b429", "HOLD": "#d64545"}


def exposure_by_grade(r: PortfolioReport) -> str:
    """Exposure next to the limits granted, per grade."""
    grades = list(r.by_grade)
    exposure = Series("exposure", [r.by_grade[g]["exposure"] for g in grades], PALETTE[0])
    limits = Series("credit limits", [r.by_grade[g]["limit"] for g in grades], PALETTE[1])
    return bar_chart(f"Exposure and limits by grade ({r.base_currency})", grades, [exposure, limits], compact)


def aging(r: PortfolioReport) -> str:
    """Open invoice balances by days past due."""
    buckets = r.receivables.aging if r.receivables else {}
    labels = list(buckets)
    values = Series("open balance", list(buckets.values()))
    return bar_chart(f"Aging of open invoices ({r.base_currency})", labels, [values], compact, colors=AGING_COLORS)


def score_distribution(r: PortfolioReport) -> str:
    """How many accounts fall in each band of ten score points."""
    labels = list(r.score_bins)
    counts = Series("accounts", list(r.score_bins.values()))
    colors = [GRADE_COLORS["ABCDE".index(r.score_bin_grades.get(label, "C"))] for label in labels]
    return bar_chart("Score distribution (accounts)", labels, [counts], plain, colors=colors)


def top_exposures(r: PortfolioReport, n: int = 15) -> str:
    """The largest exposures as bars, each with its credit limit as a tick."""
    rows = [
        Row(e.name, e.exposure_base, e.credit_limit_base, STATUS_COLORS.get(e.status, PALETTE[0])) for e in r.top[:n]
    ]
    return hbar_chart(f"Top {len(rows)} exposures vs credit limits ({r.base_currency})", rows, compact, 560, "limit")


def concentration(r: PortfolioReport, n: int = 10) -> str:
    """The largest group exposures against the single-customer cap (a share of the portfolio budget)."""
    groups: dict[str, Decimal] = {}
    for e in r.top:
        groups.setdefault(e.name, e.group_exposure_base)
    rows = [Row(name, value, None, "#d64545" if value > r.concentration_cap else PALETTE[0])
            for name, value in sorted(groups.items(), key=lambda kv: -kv[1])[:n]]  # fmt: skip
    title = f"Concentration: largest group exposures vs the cap ({r.base_currency})"
    return hbar_chart(title, rows, compact, 560, reference=("cap", r.concentration_cap))


def industries(r: PortfolioReport, n: int = 10) -> str:
    """Exposure by industry, largest first, with the limits granted there as ticks."""
    parts = r.concentration.by_industry if r.concentration else {}
    ranked = sorted(parts.items(), key=lambda kv: -kv[1].exposure)[:n]
    rows = [Row(name, part.exposure, part.credit_limit) for name, part in ranked]
    return hbar_chart(f"Exposure by industry ({r.base_currency})", rows, compact, 560, "limits")


def statuses(r: PortfolioReport) -> str:
    """Accounts by status."""
    labels = list(r.by_status)
    counts = Series("accounts", list(r.by_status.values()))
    return bar_chart("Accounts by status", labels, [counts], plain, 300, colors=[STATUS_COLORS[s] for s in labels])


def all_charts(r: PortfolioReport) -> dict[str, str]:
    """Every chart of the report by key, in reading order."""
    return {
        "grades": exposure_by_grade(r),
        "aging": aging(r),
        "scores": score_distribution(r),
        "statuses": statuses(r),
        "top": top_exposures(r),
        "concentration": concentration(r),
        "industries": industries(r),
    }
