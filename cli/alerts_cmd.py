"""`crm-credit review`, `crm-credit digest` and `crm-credit dunning` (DESIGN §4; issue 8 parts 3 and 4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.app import EXIT_OK, app, console, emit_json, handle_errors, state
from cli.audit_cmd import parse_day
from cli.store_access import opened_store
from connectors.errors import ConfigError
from credit_core.dunning import NoticeDraft
from sync.config import AppConfig
from sync.digest import send_digest
from sync.dunning import drafts
from sync.reviews import record_review
from sync.store.decisions import load_current


def _now() -> datetime:
    return datetime.now(UTC)


def _source_of(config: AppConfig, source: str | None) -> str:
    """--source, or the only configured source."""
    if source is not None:
        config.source(source)
        return source
    if len(config.sources) != 1:
        raise ConfigError(f"--source is required: several sources are configured ({', '.join(sorted(config.sources))})")
    return next(iter(config.sources))


@app.command("review")
@handle_errors
def review_command(
    crm_id: Annotated[str, typer.Argument(help="The account's CRM id.")],
    outcome: Annotated[str, typer.Option("--outcome", help="What the review found and agreed.")],
    actor: Annotated[str, typer.Option("--as", help="Who reviewed (a [users] entry).")],
    source: Annotated[str | None, typer.Option("--source", help="The account's source.")] = None,
    promise: Annotated[
        str | None, typer.Option("--promise-to-pay", help="A payment date the customer promised (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Record a credit review: resets the review date; a promise to pay pauses dunning until that day."""
    promised = parse_day(promise, "--promise-to-pay")
    with opened_store() as (config, store):
        key = (_source_of(config, source), crm_id)
        report = record_review(config, store, key, outcome, config.user(actor), _now, promised)
        with store.read() as conn:
            decision = load_current(conn, [key]).get(key, {})
    if report.errors:
        raise ConfigError(f"the review was recorded but the account could not be evaluated: {report.error_samples[0]}")
    shown = {k: decision.get(k) for k in ("last_review_on", "next_review_on", "status", "flags", "dunning_stage")}
    if state.json:
        emit_json({"source": key[0], "crm_id": crm_id, "reviewed_by": actor, **shown})
        return
    console().print(
        f"review of {key[0]}/{crm_id} recorded by {actor}: last review {shown['last_review_on']}, "
        f"next review {shown['next_review_on']}, status {shown['status']} (the next push writes it to the CRM)",
        markup=False,
    )


@app.command("digest")
@handle_errors
def digest_command(
    period: Annotated[str | None, typer.Option("--period", help="daily or weekly (default: [alerts] digest).")] = None,
) -> None:
    """E-mail the credit digest of the period that just ended (new flags, holds, usage), once per period."""
    with opened_store() as (config, store):
        chosen = period or config.alerts.digest
        if chosen not in ("daily", "weekly"):
            raise ConfigError(f"--period: {chosen!r} is not daily or weekly")
        digest = send_digest(config, store, chosen, _now)  # type: ignore[arg-type]
    if state.json:
        emit_json({"period": chosen, "sent": digest is not None, **(digest.summary() if digest else {})})
    elif digest is None:
        console().print(f"the {chosen} digest of this period was already sent", markup=False)
    else:
        counts = digest.summary()
        console().print(f"{chosen} digest {digest.window.key} sent to {len(config.alerts.to)} recipient(s): "
                        f"{counts['new_flags']} new flags, {counts['new_holds']} new holds, {counts['holds']} on hold",
                        markup=False)  # fmt: skip
    raise typer.Exit(EXIT_OK)


def _draft_json(draft: NoticeDraft) -> dict[str, Any]:
    return {
        "source": draft.source, "crm_id": draft.account_crm_id, "name": draft.account_name, "stage": draft.stage,
        "currency": draft.currency, "outstanding": str(draft.outstanding), "interest": str(draft.interest),
        "fee": str(draft.fee), "total": str(draft.total),
        "paused_until": draft.paused_until.isoformat() if draft.paused_until else None,
        "invoices": [{"crm_id": line.crm_id, "number": line.number, "due_on": line.due_on.isoformat(),
                      "days_past_due": line.days_past_due, "balance": str(line.balance), "stage": line.stage,
                      "interest": str(line.interest)} for line in draft.lines],
        "subject": draft.subject, "body": draft.body,
    }  # fmt: skip


def _write_drafts(folder: Path, found: list[NoticeDraft]) -> None:
    """One text file per draft, named by source, customer and stage (ids made safe for a file name)."""
    folder.mkdir(parents=True, exist_ok=True)
    for draft in found:
        name = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", part) for part in (draft.source, draft.account_crm_id))
        path = folder / f"{name}-{draft.stage}-{draft.currency}.txt"
        path.write_text(f"Subject: {draft.subject}\n\n{draft.body}\n", encoding="utf-8")


@app.command("dunning")
@handle_errors
def dunning_command(
    source: Annotated[str | None, typer.Option("--source", help="Only this source's customers.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write each draft to this folder.")] = None,
) -> None:
    """Dunning notice drafts: one per customer and stage, with interest and fees where the policy sets them."""
    with opened_store() as (config, store):
        found = list(drafts(config, store, _now().date(), source))
    if output is not None:
        _write_drafts(output, found)
    if state.json:
        emit_json({"drafts": [_draft_json(d) for d in found]})
        return
    out = console()
    if not found:
        out.print("no overdue invoices have reached a dunning stage", markup=False)
    for draft in found:
        paused = f" · escalation paused until {draft.paused_until.isoformat()}" if draft.paused_until else ""
        out.print(f"── {draft.source}/{draft.account_crm_id} {draft.account_name or ''} · {draft.stage}{paused}",
                  markup=False)  # fmt: skip
        out.print(f"Subject: {draft.subject}\n\n{draft.body}\n", markup=False)
