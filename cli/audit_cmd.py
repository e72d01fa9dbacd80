"""`crm-credit audit export|reproduce` and `crm-credit purge --before DATE` (DESIGN §4)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from cli.app import EXIT_OK, EXIT_PROBLEMS, app, console, emit_json, handle_errors, state
from cli.store_access import opened_store
from connectors.errors import ConfigError
from sync.audit_log import iter_audit, reproduce, write_export
from sync.retention import purge

audit_app = typer.Typer(help="The decision log: export it, or re-run a logged decision.")
app.add_typer(audit_app, name="audit")


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value; a bad one is a usage error naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


@audit_app.command("export")
@handle_errors
def audit_export(
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD, UTC) to export.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Every audit row (decisions with inputs digest, policy version, actor and diff) as CSV or JSON lines."""
    first = parse_day(since, "--since")
    with opened_store() as (_config, store), store.read() as conn:
        target: Any = output.open("w", encoding="utf-8", newline="") if output else nullcontext(sys.stdout)
        with target as out:
            stream: IO[str] = out
            count = write_export(iter_audit(conn, first), stream, fmt)
    if output is not None:
        console().print(f"{count} audit rows written to {output}", markup=False)


@audit_app.command("reproduce")
@handle_errors
def audit_reproduce(audit_id: Annotated[int, typer.Argument(help="The audit row's id (see audit export).")]) -> None:
    """Re-run a logged decision from its row (inputs snapshot, logged policy, previous decision); 1 if it differs."""
    with opened_store() as (_config, store):
        result = reproduce(store, audit_id)
    if state.json:
        emit_json({"id": audit_id, "source": result.key[0], "crm_id": result.key[1], "same": result.same,
                   "differences": result.differences, "decision": result.again})  # fmt: skip
    else:
        out = console()
        who = f"{result.key[0]}/{result.key[1]}"
        if result.same:
            out.print(f"audit row {audit_id} ({who}): reproduced exactly (score {result.again['score']}, "
                      f"limit {result.again['credit_limit']} {result.again['currency']})", markup=False)  # fmt: skip
        else:
            out.print(f"audit row {audit_id} ({who}): the re-run differs", markup=False)
            for name, (logged, again) in result.differences.items():
                out.print(f"  {name}: logged {logged!r}, now {again!r}", markup=False)
    raise typer.Exit(EXIT_OK if result.same else EXIT_PROBLEMS)


@app.command("purge")
@handle_errors
def purge_command(
    before: Annotated[str, typer.Option("--before", help="Drop history older than this day (YYYY-MM-DD).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")] = False,
) -> None:
    """Retention: drop history older than DATE that audit rules do not require."""
    day = parse_day(before, "--before")
    assert day is not None
    with opened_store() as (config, store):
        report = purge(store, day, datetime.now(UTC).date(), config.audit.retention_years, dry_run)
    figures = {"audit_rows": report.audit_rows, "history_rows": report.history_rows, "snapshots": report.snapshots,
               "policy_versions": report.policy_versions, "import_rejects": report.import_rejects}  # fmt: skip
    if state.json:
        emit_json({"requested": report.requested.isoformat(), "cutoff": report.cutoff.isoformat(),
                   "dry_run": dry_run, **figures})  # fmt: skip
        return
    out = console()
    if report.clamped:
        out.print(f"kept everything from {report.cutoff.isoformat()} on: [audit] retention_years is "
                  f"{config.audit.retention_years}", markup=False)  # fmt: skip
    verb = "would drop" if dry_run else "dropped"
    counts = " · ".join(f"{n} {name.replace('_', ' ')}" for name, n in figures.items())
    out.print(f"{verb} {counts} (older than {report.cutoff.isoformat()}; latest per account kept)", markup=False)
