"""The concentration section of `crm-credit report` (Rich tables and `--json`), from `sync.concentration`.

Kept apart so the portfolio report can include it as one section: `concentration_json` for
`report --json` (key "concentration"), `concentration_tables` for the terminal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.table import Table

from credit_core.concentration import Concentration, Slice


def _slice_json(part: Slice) -> dict[str, str]:
    return {"credit_limit": str(part.credit_limit), "limit_share": str(part.limit_share),
            "exposure": str(part.exposure), "exposure_share": str(part.exposure_share)}  # fmt: skip


def concentration_json(c: Concentration, unconverted: int = 0) -> dict[str, Any]:
    """Money and shares as strings; top-N keyed "top 1", "top 5", ...; breaches with their group."""
    return {
        "total_exposure": str(c.total_exposure), "total_limit": str(c.total_limit), "groups": c.groups,
        "top_share": {f"top {n}": str(share) for n, share in c.top_share.items()},
        "herfindahl": str(c.herfindahl), "herfindahl_limits": str(c.herfindahl_limits),
        "effective_groups": None if c.effective_groups is None else str(c.effective_groups),
        "by_industry": {k: _slice_json(v) for k, v in c.by_industry.items()},
        "by_country": {k: _slice_json(v) for k, v in c.by_country.items()},
        "cap": str(c.cap),
        "breaches": [{"source": b.group[0], "group": b.group[1], "members": b.members, "exposure": str(b.exposure),
                      "budget_share": str(b.budget_share)} for b in c.breaches],
        "unconverted": unconverted,
    }  # fmt: skip


def _pct(share: Decimal) -> str:
    return f"{share:.1%}"


def concentration_tables(c: Concentration, base_currency: str, rows: int = 10) -> list[Table]:
    """Summary, the largest industries and countries by limit, and the groups above the cap."""
    summary = Table(title="Concentration", title_justify="left", show_header=False)
    summary.add_row("groups", str(c.groups))
    for n, share in c.top_share.items():
        summary.add_row(f"top {n} share of exposure", _pct(share))
    effective = "–" if c.effective_groups is None else str(c.effective_groups)
    summary.add_row("Herfindahl (exposure · limits)", f"{c.herfindahl} · {c.herfindahl_limits}")
    summary.add_row("effective number of groups", effective)
    summary.add_row("cap per group", f"{c.cap:,.0f} {base_currency}")
    tables = [summary]
    for title, parts in (("industry", c.by_industry), ("country", c.by_country)):
        table = Table(title=f"Share of limit by {title}", title_justify="left")
        for column in (title, "limit", "share of limit", "exposure", "share of exposure"):
            table.add_column(column, justify="left" if column == title else "right")
        for name, part in list(parts.items())[:rows]:
            table.add_row(name, f"{part.credit_limit:,.0f}", _pct(part.limit_share), f"{part.exposure:,.0f}",
                          _pct(part.exposure_share))  # fmt: skip
        tables.append(table)
    if c.breaches:
        table = Table(title="CONCENTRATION: groups above the cap", title_justify="left")
        for column in ("source", "group", "accounts", "exposure", "share of budget"):
            table.add_column(column)
        for b in c.breaches:
            table.add_row(b.group[0], b.group[1], str(b.members), f"{b.exposure:,.0f}", _pct(b.budget_share))
        tables.append(table)
    return tables
