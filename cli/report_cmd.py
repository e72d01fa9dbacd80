"""`crm-credit report`: the portfolio from the store, as a summary, JSON, or a self-contained HTML file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, console, emit_json, handle_errors, state
from cli.concentration_view import concentration_json, concentration_tables
from cli.store_access import opened_store
from cli.summary import print_summary
from sync.portfolio import portfolio_report
from webhooks.report.html import render_report


@app.command("report")
@handle_errors
def report_command(
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report (charts, tables) here.")] = None,
) -> None:
    """Portfolio: exposure by grade, aging, DSO/CEI, top exposures, concentration, flags."""
    with opened_store() as (config, store):
        report = portfolio_report(config, store, datetime.now(UTC))
    if html is not None:
        html.write_text(render_report(report), encoding="utf-8")
    concentration = report.concentration
    if state.json:
        section = concentration_json(concentration, report.concentration_unconverted) if concentration else None
        emit_json({**report.to_json(), "concentration": section, "html": str(html) if html else None})
        return
    out = console()
    print_summary(out, report)
    for table in concentration_tables(concentration, report.base_currency) if concentration else []:
        out.print(table)
    if html is not None:
        out.print(f"wrote {html}", markup=False)
