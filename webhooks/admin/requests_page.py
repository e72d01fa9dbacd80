"""The admin page for limit-increase requests: the signed-in user asks, approves and rejects.

The acting user is the session's (a `[users]` entry); the rules are the request desk's, so the page
refuses what the CLI and API refuse (own request, ceiling too low) and says why.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse

from connectors.errors import ConfigError
from credit_core.requests import RequestRefused, covering_roles
from sync.request_desk import RequestDesk, list_requests
from sync.requests import roles_of
from sync.store.requests import StoredRequest
from webhooks.admin.web import admin_user, check_csrf, config, render, service, store
from webhooks.requests_api import RequestId

router = APIRouter(prefix="/admin", include_in_schema=False)
User = Annotated[str, Depends(admin_user)]
Csrf = Annotated[str, Form()]
Text = Annotated[str, Form()]


def _back(**message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/requests?{urlencode(message)}", status_code=303)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise ConfigError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _desk(request: Request, user: str) -> RequestDesk:
    return RequestDesk(config(request), store(request), service(request).clock, user, "admin")


def _outcome(found: StoredRequest) -> str:
    if found.status == "pending":
        return f"Request {found.id}: {found.amount:,.0f} {found.currency} waits for {found.route or 'an approver'}"
    by = "the policy" if found.decided_by == "policy" else found.decided_by
    return f"Request {found.id}: {found.amount:,.0f} {found.currency} {found.status} by {by}"


@router.get("/requests")
def requests_page(request: Request, user: User, notice: str = "", error: str = "") -> HTMLResponse:
    """Pending requests (with whether you may decide them) and the latest decided ones."""
    rows = list_requests(store(request))
    own = [r for r in roles_of(config(request)) if user.casefold() in {u.casefold() for u in r.users}]
    ceiling = max((r.ceiling for r in own), default=None)
    pending = [r for r in rows if r["status"] == "pending"]
    decided = [r for r in rows if r["status"] != "pending"][:100]
    mine = {r["id"] for r in pending if (r["requested_by"] or "").casefold() == user.casefold()}
    return render(request, "requests.html.j2", user=user, pending=pending, decided=decided, mine=mine,
                  ceiling=ceiling, roles=[r.name for r in covering_roles(Decimal(0), own)],
                  sources=list(config(request).sources), notice=notice, error=error)  # fmt: skip


def _run(step: str, action: object) -> RedirectResponse:
    try:
        found = action()  # type: ignore[operator]
    except (RequestRefused, ConfigError) as refusal:
        return _back(error=f"Not {step}: {refusal}")
    return _back(notice=_outcome(found))


@router.post("/requests")
def create(request: Request, user: User, csrf: Csrf = "", source: Text = "", crm_id: Text = "", amount: Text = "",
           reason: Text = "", expires_on: Text = "", manual: Text = "") -> RedirectResponse:  # fmt: skip
    """Ask for a limit as the signed-in user."""
    check_csrf(request, csrf)

    def action() -> StoredRequest:
        try:
            asked = Decimal(amount.strip())
        except InvalidOperation:
            raise ConfigError(f"{amount!r} is not an amount") from None
        return _desk(request, user).create((source, crm_id.strip()), asked, reason.strip() or None, _day(expires_on),
                                           manual == "on")  # fmt: skip

    return _run("created", action)


@router.post("/requests/{request_id}/approve")
def approve(request: Request, user: User, request_id: RequestId, csrf: Csrf = "", expires_on: Text = "",
            note: Text = "") -> RedirectResponse:  # fmt: skip
    """Approve as the signed-in user (not your own request, within your ceiling)."""
    check_csrf(request, csrf)
    return _run("approved", lambda: _desk(request, user).approve(request_id, _day(expires_on), note.strip() or None))


@router.post("/requests/{request_id}/reject")
def reject(request: Request, user: User, request_id: RequestId, csrf: Csrf = "", note: Text = "") -> RedirectResponse:
    """Reject as the signed-in user."""
    check_csrf(request, csrf)
    return _run("rejected", lambda: _desk(request, user).reject(request_id, note.strip() or None))
