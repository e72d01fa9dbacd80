"""A portfolio summary on the terminal (Rich tables): by grade and status, exposure, top exposures, flags."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from sync.portfolio import PortfolioReport

STATUS_STYLE = {"OK": "green", "WATCH": "yellow", "HOLD": "bold red"}


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def grade_table(report: PortfolioReport) -> Table:
    """Accounts, exposure and limits per grade."""
    table = Table(title=f"Accounts by grade ({report.base_currency})", title_justify="left")
    for name in ("grade", "accounts", "exposure", "limits"):
        table.add_column(name, justify="left" if name == "grade" else "right")
    for grade, row in report.by_grade.items():
        table.add_row(grade, str(row["accounts"]), _money(row["exposure"]), _money(row["limit"]))
    table.add_row("all", str(report.evaluated), _money(report.total_exposure), _money(report.total_limit), style="bold")
    return table


def status_table(report: PortfolioReport) -> Table:
    """Accounts per status, and per warning flag that is set anywhere."""
    table = Table(title="Status and flags", title_justify="left")
    table.add_column("status / flag")
    table.add_column("accounts", justify="right")
    for status, n in report.by_status.items():
        table.add_row(f"[{STATUS_STYLE[status]}]{status}[/]", str(n))
    for flag, n in report.flags.items():
        if n:
            table.add_row(flag, str(n))
    return table


def _short(value: Decimal) -> str:
    for size, suffix in ((Decimal(10**9), "bn"), (Decimal(10**6), "m"), (Decimal(10**3), "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:,.0f}"


def top_table(report: PortfolioReport, n: int = 10, width: int = 80) -> Table:
    """The largest exposures with limit, available credit, grade and status (and flags when there is room)."""
    currencies = {e.currency for e in report.top[:n]}
    unit = f" ({currencies.pop()})" if len(currencies) == 1 else ""
    table = Table(title=f"Top {n} exposures{unit}", title_justify="left")
    table.add_column("account", no_wrap=True, overflow="ellipsis", max_width=30)
    for name in ("exposure", "limit", "available"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("grade", no_wrap=True)
    table.add_column("status", no_wrap=True)
    wide = width >= 110
    if wide:
        table.add_column("flags")
    for e in report.top[:n]:
        money = [_short(e.exposure), _short(e.credit_limit), _short(e.available_credit)]
        if not unit:
            money = [f"{m} {e.currency}" for m in money]
        row = [e.name, *money, e.grade, f"[{STATUS_STYLE.get(e.status, '')}]{e.status}[/]"]
        table.add_row(*row, *([", ".join(e.flags)] if wide else []))
    return table


def print_summary(out: Console, report: PortfolioReport) -> None:
    """The whole summary."""
    out.print(grade_table(report))
    out.print(status_table(report))
    out.print(top_table(report, width=out.width))
    rc = report.receivables
    if rc is not None:
        cei = f"{rc.cei} %" if rc.cei is not None else "–"
        over = len(report.concentration.breaches) if report.concentration else 0
        out.print(f"DSO {rc.dso} days · best possible DSO {rc.best_possible_dso} · CEI {cei} · "
                  f"{over} groups above the concentration cap", markup=False)  # fmt: skip
