"""The portfolio report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.

Nothing is fetched when the page opens (no fonts, images, stylesheets or scripts from anywhere), so
it can be mailed, archived and opened offline. `/admin/report` serves the same page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, Undefined, select_autoescape

from credit_core.concentration import Concentration
from credit_core.glossary import GRADE_GLOSSARY, STATUS_GLOSSARY, TERM_GLOSSARY, flag_glossary, reason_glossary
from credit_core.metrics import aging_labels
from sync.portfolio import PortfolioReport
from sync.receivables import Receivables
from webhooks.report import charts


def _missing(value: Any) -> bool:
    return value is None or value == "" or isinstance(value, Undefined)


def money(value: Any, digits: int = 0) -> str:
    """1,234,567 (no currency: tables name it once in their header)."""
    if _missing(value):
        return "–"
    return f"{Decimal(value):,.{digits}f}"


def percent(value: Any, digits: int = 1) -> str:
    """A share (0.125) as "12.5 %"."""
    if _missing(value):
        return "–"
    return f"{Decimal(value) * 100:.{digits}f} %"


def number(value: Any, digits: int = 1) -> str:
    """A figure with `digits` decimals, or a dash."""
    return "–" if _missing(value) else f"{Decimal(value):,.{digits}f}"


def environment() -> Environment:
    """The Jinja2 environment of the report and the admin pages (autoescaped, with the number filters)."""
    env = Environment(
        loader=PackageLoader("webhooks", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(money=money, percent=percent, number=number)
    return env


def report_context(report: PortfolioReport) -> dict[str, Any]:
    """What the report template needs."""
    utilization = report.total_exposure / report.total_limit if report.total_limit else None
    empty = Receivables(aging=dict.fromkeys(aging_labels(), Decimal(0)))
    return {
        "r": report,
        "rc": report.receivables or empty,
        "c": report.concentration or Concentration(),
        "charts": charts.all_charts(report),
        "utilization": utilization,
        "cap_share": report.concentration_cap / report.portfolio_budget if report.portfolio_budget else None,
        "flags": flag_glossary(),
        "reasons": reason_glossary(),
        "statuses": STATUS_GLOSSARY,
        "grades": GRADE_GLOSSARY,
        "terms": TERM_GLOSSARY,
    }


def render_report(report: PortfolioReport) -> str:
    """The whole report page."""
    return environment().get_template("report.html.j2").render(**report_context(report))
