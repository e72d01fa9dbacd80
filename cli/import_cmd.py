"""`crm-credit import financials|insurance CSV`: statements and insured limits per account (DESIGN §4).

Good rows are loaded and their accounts re-evaluated at once (write-backs queued, not pushed);
each refused row is one line on stderr naming line, column and value; exit 1 when any was refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.app import EXIT_OK, EXIT_PROBLEMS, app, console, emit_json, err_console, handle_errors, state
from cli.store_access import engine
from sync.imports import Importer, ImportReport

import_app = typer.Typer(help="Load financial statements or insured limits per account from a CSV file.")
app.add_typer(import_app, name="import")

CsvPath = Annotated[Path, typer.Argument(help="The CSV file (UTF-8, header row; keyed by source and crm_id).")]
NoEvaluate = Annotated[bool, typer.Option("--no-evaluate", help="Load only; evaluate on the next sync.")]


def _run(kind: str, path: Path, no_evaluate: bool) -> None:
    with engine() as sync_engine:
        report: ImportReport = Importer(sync_engine.store, sync_engine.config.sources, lambda: datetime.now(UTC)).run(
            kind, path
        )
        evaluation = None
        if report.accounts and not no_evaluate:
            evaluation = sync_engine.evaluate(trigger="user", accounts=report.accounts, actor=f"import:{path.name}")
    for line in report.lines():
        err_console.print(line, markup=False, soft_wrap=True)
    if state.json:
        emit_json({"kind": kind, "file": report.file, "rows": report.rows, "loaded": report.loaded,
                   "quarantined": [{k: v for k, v in q.items() if k != "raw"} for q in report.quarantined],
                   "evaluation": vars(evaluation) if evaluation else None})  # fmt: skip
    else:
        line = f"{kind}: {report.loaded} of {report.rows} rows loaded · {len(report.quarantined)} quarantined"
        if evaluation is not None:
            line += f" · {evaluation.evaluated} accounts re-evaluated, {evaluation.changed} changed"
        console().print(line, markup=False)
    raise typer.Exit(EXIT_PROBLEMS if report.quarantined else EXIT_OK)


@import_app.command("financials")
@handle_errors
def import_financials(path: CsvPath, no_evaluate: NoEvaluate = False) -> None:
    """Financial statements: source, crm_id, as_of and any of the Financials figures."""
    _run("financials", path, no_evaluate)


@import_app.command("insurance")
@handle_errors
def import_insurance(path: CsvPath, no_evaluate: NoEvaluate = False) -> None:
    """Insured limits: source, crm_id, amount [, currency, valid_from, expires_on, insurer, policy_ref]."""
    _run("insurance", path, no_evaluate)
