"""`crm-credit status` and `crm-credit account`: what the store knows (DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.app import app, console, emit_json, handle_errors, state
from cli.store_access import opened_store
from sync.status import account_view, status


@app.command("status")
@handle_errors
def status_command() -> None:
    """Per source: last run, watermarks, API usage, outbox by state, quarantine count."""
    with opened_store() as (config, store):
        report = status(config, store, datetime.now(UTC))
    if state.json:
        emit_json(report)
        return
    table = Table("source", "last run", "outcome", "retried", "API used/limit", "outbox", "quarantine")
    for name, s in report["sources"].items():
        run = s["last_run"] or {}
        outbox = " ".join(f"{k}={v}" for k, v in s["outbox"].items() if v) or "empty"
        api = f"{s['api']['used'] if s['api']['used'] is not None else '–'}/{s['api']['limit'] or '–'}"
        table.add_row(name, run.get("finished_at") or run.get("started_at") or "never", run.get("outcome") or "–",
                      _retried(run), api, outbox, str(s["quarantine"]))  # fmt: skip
    console().print(table)
    for name, s in report["sources"].items():
        if (line := _error_line(s["last_run"] or {})) is not None:
            console().print(f"{name}: {line}", markup=False, soft_wrap=True)


def _error_line(run: dict[str, Any]) -> str | None:
    """Below the table (a CRM's error text is too long for a cell): the error class, its axes, the message."""
    error, message = run.get("error"), run.get("message")
    if error:
        return f"{error['class']} ({error['action']}, {error['fault']}): {message or ''}"
    return str(message) if message else None


def _retried(run: dict[str, Any]) -> str:
    """CRM calls retried by cause, e.g. `429×3 timeout×1`."""
    return " ".join(f"{cause}×{n}" for cause, n in sorted((run.get("retries") or {}).items())) or "–"


def _human(view: dict[str, Any]) -> None:
    out = console()
    out.print(f"{view['name'] or view['crm_id']} ({view['source']}/{view['crm_id']})", markup=False)
    if "score" not in view:
        out.print("not evaluated yet (run `crm-credit evaluate`)")
        return
    out.print(view.get("summary", ""), markup=False)
    out.print(f"score {view['score']} · grade {view['grade']} · status {view['status']} · flags "
              f"{', '.join(view.get('flags') or []) or 'none'}", markup=False)  # fmt: skip
    for reason in view.get("reasons") or []:
        out.print(f"  {reason['impact']:+d}  {reason['code']}: {reason['text']}", markup=False)
    out.print("aging: " + " · ".join(f"{k} {v}" for k, v in view["aging"].items()), markup=False)
    if view.get("request_status"):
        out.print(f"limit request: {view['request_status']} (`crm-credit requests list --account {view['crm_id']}`)",
                  markup=False)  # fmt: skip


@app.command("account")
@handle_errors
def account_command(
    crm_id: Annotated[str, typer.Argument(help="The account's CRM id.")],
    source: Annotated[str | None, typer.Option("--source", help="Source name (needed when ambiguous).")] = None,
) -> None:
    """One customer's Decision with reasons, exposure, aging and history."""
    with opened_store() as (config, store):
        view = account_view(config, store, crm_id, source, datetime.now(UTC))
    if state.json:
        emit_json(view)
    else:
        _human(view)
