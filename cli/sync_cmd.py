"""`crm-credit sync | evaluate | push`: the sync engine from the command line (DESIGN §4)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli.app import EXIT_OK, EXIT_PROBLEMS, app, console, emit_json, handle_errors, state
from cli.store_access import engine
from sync.engine import SourceReport, SyncReport
from sync.pull import Progress as ProgressCallback
from sync.reports import EvaluationReport

Sources = Annotated[list[str] | None, typer.Argument(help="Source names from the config (default: all).")]


@contextmanager
def progress_bars() -> Iterator[ProgressCallback | None]:
    """One live counter per (source, object) on a terminal; nothing under --json or without a TTY."""
    out = console()
    if state.json or not out.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=out, transient=False) as bars:
        tasks: dict[tuple[str, str], Any] = {}

        def advance(source: str, kind: str, n: int) -> None:
            key = (source, kind)
            if key not in tasks:
                tasks[key] = bars.add_task(f"{source} {kind}s", total=None)
            bars.advance(tasks[key], n)

        yield advance


def _source_line(report: SourceReport) -> str:
    read = sum(o.read for o in report.objects)
    held = sum(o.quarantined for o in report.objects)
    deleted = sum(o.deleted + o.reconciled for o in report.objects)
    line = f"{report.source}: {report.outcome} · {read} read · {deleted} deleted · {held} quarantined"
    if report.push is not None:
        p = report.push
        line += f" · {p.sent} written · {p.rejected} rejected · {p.failed} to retry"
    if report.tasks is not None and (report.tasks.sent or report.tasks.failed or report.tasks.waiting):
        t = report.tasks
        line += f" · {t.sent} owner tasks created"
        if t.failed or t.waiting:
            line += f" ({t.failed} refused, {t.waiting} waiting)"
    if report.mapping_problems:
        line += f" · {len(report.mapping_problems)} mapping problems"
    if report.message:
        line += f" · {report.message}"
    return line


def _evaluation_line(report: EvaluationReport) -> str:
    line = f"evaluated {report.evaluated} accounts · {report.changed} changed · {report.planned} write-backs queued"
    if report.tasks:
        line += f" · {report.tasks} owner tasks queued"
    if report.errors:
        line += f" · {report.errors} errors (e.g. {report.error_samples[0]})"
    return line


def _source_json(report: SourceReport) -> dict[str, Any]:
    return {"kind": report.kind, "outcome": report.outcome, **report.details()}


@app.command("sync")
@handle_errors
def sync_command(
    sources: Sources = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read everything and reconcile deletions.")] = False,
) -> None:
    """Pull changes (or everything), evaluate, write back changed values."""
    with progress_bars() as progress, engine(progress) as sync_engine:
        report: SyncReport = sync_engine.sync(sources, full=full)
    if state.json:
        emit_json({"sources": {n: _source_json(r) for n, r in report.sources.items()},
                   "evaluation": vars(report.evaluation) if report.evaluation else None})  # fmt: skip
    else:
        out = console()
        for source_report in report.sources.values():
            for problem in source_report.mapping_problems:
                out.print(f"{source_report.source}: {problem}", markup=False)
            out.print(_source_line(source_report), markup=False)
        if report.evaluation is not None:
            out.print(_evaluation_line(report.evaluation), markup=False)
    raise typer.Exit(EXIT_PROBLEMS if report.problems else EXIT_OK)


def _os_user() -> str | None:
    """Who ran the command, for the audit log's actor (None when the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


@app.command("evaluate")
@handle_errors
def evaluate_command() -> None:
    """Re-evaluate every account from the store and refresh the outbox; no CRM calls."""
    with engine() as sync_engine:
        report = sync_engine.evaluate(trigger="user", actor=_os_user())
    if state.json:
        emit_json(vars(report))
    else:
        console().print(_evaluation_line(report), markup=False)
    raise typer.Exit(EXIT_PROBLEMS if report.errors else EXIT_OK)


@app.command("push")
@handle_errors
def push_command(
    source: Annotated[str | None, typer.Argument(help="One source (default: all).")] = None,
) -> None:
    """Send pending write-backs."""
    with engine() as sync_engine:
        reports = sync_engine.push([source] if source else None)
    if state.json:
        emit_json({"sources": {n: _source_json(r) for n, r in reports.items()}})
    else:
        for report in reports.values():
            console().print(_source_line(report), markup=False)
    raise typer.Exit(EXIT_PROBLEMS if any(r.outcome != "ok" for r in reports.values()) else EXIT_OK)
