"""`crm-credit requests create|list|approve|reject`: limit-increase requests on behalf of `--as EMAIL`.

Each step re-evaluates the account and queues its write-back (limit, `request_status`); `push` or the
next `sync` sends it. A step the rules refuse (own request, ceiling too low, already decided) is
audited and ends with one line on stderr and exit 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from cli.app import app, console, emit_json, handle_errors, state
from cli.store_access import opened_store
from connectors.errors import ConfigError
from credit_core import values as parse
from sync.request_desk import RequestDesk, list_requests
from sync.status import find_source
from sync.store.requests import StoredRequest

requests_app = typer.Typer(help="Limit-increase requests: create, list, approve, reject.")
app.add_typer(requests_app, name="requests")

As = Annotated[str, typer.Option("--as", help="Who acts: a [users] entry (e-mail).")]
Note = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision and in the audit log).")]
Expires = Annotated[str | None, typer.Option("--expires", help="YYYY-MM-DD: the last day of the raised limit.")]


def _day(text: str | None) -> date | None:
    try:
        return parse.day(text)
    except parse.BadValue as bad:
        raise ConfigError(f"--expires {text!r}: {bad.reason}") from None


def _show(request: StoredRequest, queued: int) -> None:
    if state.json:
        emit_json({**request.to_json(), "writebacks_queued": queued})
        return
    head = f"request {request.id} for {request.source}/{request.crm_id}: {request.amount:,.0f} {request.currency}"
    granted = f"the policy grants {request.granted:,.0f} {request.currency}" if request.granted is not None else ""
    if request.status == "pending":
        waits = f"waits for an approver in {request.route}" if request.route else "no approver's ceiling covers it"
        line = f"{head} pending: {waits} ({granted})"
    elif request.decided_by == "policy":
        line = f"{head} approved at once: {granted}"
    else:
        line = f"{head} {request.status} by {request.decided_by}"
    out = console()
    out.print(line, markup=False, soft_wrap=True)
    if queued:
        out.print(f"{queued} write-back queued: `crm-credit push` (or the next sync) sends it", markup=False)


def _desk_run(user: str, action: Any) -> None:
    with opened_store() as (config, store):
        desk = RequestDesk(config, store, lambda: datetime.now(UTC), user, "cli")
        request = action(desk, config, store)
    _show(request, desk.last_evaluation.planned if desk.last_evaluation else 0)


@requests_app.command("create")
@handle_errors
def create(
    crm_id: Annotated[str, typer.Argument(help="The account's CRM id.")],
    amount: Annotated[str, typer.Argument(help="The limit asked for, in the account's currency.")],
    user: As,
    source: Annotated[
        str | None, typer.Option("--source", help="The source (needed when several hold the id).")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the customer needs it.")] = None,
    expires: Expires = None,
    manual: Annotated[
        bool, typer.Option("--manual", help="Set this limit by hand, even below the policy's: an approver decides.")
    ] = False,
) -> None:
    """Ask for a limit; approved at once when the policy grants it, else routed by approver ceiling."""
    try:
        asked = parse.money(amount)
    except parse.BadValue as bad:
        raise ConfigError(f"amount {amount!r}: {bad.reason}") from None
    if asked is None:
        raise ConfigError("amount is required")

    def action(desk: RequestDesk, config: Any, store: Any) -> StoredRequest:
        with store.read() as conn:
            found = find_source(conn, config, crm_id, source)
        return desk.create((found, crm_id), Decimal(asked), reason, _day(expires), manual)

    _desk_run(user, action)


@requests_app.command("approve")
@handle_errors
def approve(
    request_id: Annotated[int, typer.Argument(help="The request's number.")],
    user: As,
    expires: Expires = None,
    note: Note = None,
) -> None:
    """Approve a pending request (not your own, within your role's ceiling): its limit holds until --expires."""
    _desk_run(user, lambda desk, _config, _store: desk.approve(request_id, _day(expires), note))


@requests_app.command("reject")
@handle_errors
def reject(
    request_id: Annotated[int, typer.Argument(help="The request's number.")], user: As, note: Note = None
) -> None:
    """Reject a pending request (not your own, within your role's ceiling)."""
    _desk_run(user, lambda desk, _config, _store: desk.reject(request_id, note))


@requests_app.command("list")
@handle_errors
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="pending | approved | rejected | withdrawn")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source's accounts.")] = None,
    crm_id: Annotated[str | None, typer.Option("--account", help="Only this account (CRM id).")] = None,
) -> None:
    """Requests, newest first."""
    with opened_store() as (config, store):
        key = None
        if crm_id is not None:
            with store.read() as conn:
                key = (find_source(conn, config, crm_id, source), crm_id)
        rows = [r for r in list_requests(store, status, key) if source is None or r["source"] == source]
    if state.json:
        emit_json({"requests": rows})
        return
    out = console()
    if not rows:
        out.print("no limit requests" + (f" {status}" if status else ""), markup=False)
    for r in rows:
        who = r["requested_by"] or f"the {r['source']} record"
        decided = f" by {r['decided_by']}" if r["decided_by"] else (f" · waits for {r['route']}" if r["route"] else "")
        out.print(f"{r['id']:>5}  {r['source']}/{r['crm_id']}  {Decimal(r['amount']):,.0f} {r['currency']}  "
                  f"{r['status']}{decided}  · asked by {who} {r['requested_at'][:10]}", markup=False)  # fmt: skip
