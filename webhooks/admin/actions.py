"""The admin pages' forms: log in and out, save a mapping table, retry a write, release a quarantined record.

Every POST checks the CSRF token first. Work that may take a while (describing CRM objects, pushing a
write) runs in FastAPI's thread pool, as these are plain `def` routes.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Annotated, cast
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from connectors.base import OBJECT_KINDS, ObjectKind, SourceSettings
from connectors.errors import ConfigError, CrmCreditError
from connectors.field_check import check_fields
from sync.engine import SyncEngine
from sync.mapping_edit import SECTIONS, edited_text, parse_lines, save_with_backup, validate_text
from sync.release import release_quarantined, retry_write
from sync.reviews import record_review
from webhooks.admin.pages import mapping_page
from webhooks.admin.web import admin_state, admin_user, check_csrf, config, render, service, store
from webhooks.auth import clear_session_cookie, set_session_cookie, user_for_token

log = logging.getLogger(__name__)
router = APIRouter(prefix="/admin", include_in_schema=False)
User = Annotated[str, Depends(admin_user)]
Csrf = Annotated[str, Form()]


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()] = "", csrf: Csrf = "") -> Response:
    """Swap a `[users]` token for an HttpOnly session cookie."""
    check_csrf(request, csrf)
    users = service(request).config.users
    user = user_for_token(users, token.strip()) if token.strip() else None
    if user is None:
        log.warning("admin login refused")  # never the token
        return render(request, "login.html.j2", status=401, error="That token is not configured under [users].")
    response = RedirectResponse("/admin", status_code=303)
    set_session_cookie(response, users, user, secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Csrf = "") -> Response:
    """End the session."""
    check_csrf(request, csrf)
    response = RedirectResponse("/admin/login", status_code=303)
    clear_session_cookie(response)
    return response


def _live_problems(request: Request, source: str, section: str, settings: SourceSettings) -> list[str]:
    """Fields of the edited table the CRM does not have (or cannot write), from a live describe."""
    lines = check_fields(settings, service(request).connector(source).describe)
    return [f"{line.crm_object}.{line.field} ({line.use}): {line.status}" for line in lines
            if line.problem and line.use.startswith(f"{section}.")]  # fmt: skip


def _back(page: str, **message: str) -> RedirectResponse:
    """Back to a list page with a notice or an error (POST, redirect, GET)."""
    return RedirectResponse(f"/admin/{page}?{urlencode(message)}", status_code=303)


@router.post("/mapping/{source}/{section}")
def save_mapping(
    request: Request,
    user: User,
    source: str,
    section: str,
    csrf: Csrf = "",
    object_name: Annotated[str, Form(alias="object")] = "",
    fields: Annotated[str, Form()] = "",
    transforms: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Validate one edited table (config rules, then the CRM's live describe) and save it with a backup."""
    check_csrf(request, csrf)
    path = admin_state(request).config_path
    if path is None or section not in SECTIONS:
        raise HTTPException(404, "no editable mapping here")
    edits = {section: {"object": object_name, "fields": fields, "transforms": transforms}}
    try:
        text = edited_text(path, source, section, object_name.strip(), parse_lines(fields, "fields"),
                           parse_lines(transforms, "transforms"))  # fmt: skip
        candidate = validate_text(path, text)
        problems = _live_problems(request, source, section, candidate.source(source))
    except (ConfigError, CrmCreditError) as error:
        return mapping_page(request, user, source, error=f"Not saved: {error}", status=400, edits=edits)
    if problems:
        message = "Not saved: the CRM has no such field, or it cannot be used: " + "; ".join(problems)
        return mapping_page(request, user, source, error=message, status=400, edits=edits)
    backup = save_with_backup(path, text, datetime.now(UTC))
    admin_state(request).reloaded = candidate
    log.info("mapping [sources.%s.%s] saved by %s (backup %s)", source, section, user, backup.name)
    notice = f"Saved [sources.{source}.{section}]; the previous file is kept as {backup.name}."
    return mapping_page(request, user, source, notice=notice)


@router.post("/outbox/{source}/{row_id}/retry")
def retry(request: Request, user: User, source: str, row_id: int, csrf: Csrf = "") -> Response:
    """Make a failed or rejected write due now, and push the source's due writes."""
    check_csrf(request, csrf)
    cfg = config(request)
    if source not in cfg.sources:
        raise HTTPException(404, f"unknown source {source!r}")
    if not retry_write(store(request), source, row_id, datetime.now(UTC)):
        return _back("outbox", source=source, notice="Nothing to retry: the write is no longer failed or rejected")
    engine = SyncEngine(cfg, store(request))
    try:
        report = engine.push([source])[source]
    finally:
        engine.close()
    push = report.push
    notice = f"Retried by {user}: {push.sent if push else 0} written, {push.rejected if push else 0} rejected"
    return _back("outbox", source=source, notice=notice)


@router.post("/quarantine/{source}/{kind}/{crm_id}/release")
def release(request: Request, user: User, source: str, kind: str, crm_id: str, csrf: Csrf = "") -> Response:
    """Map a quarantined record again with the mapping in force; store and re-evaluate it when valid."""
    check_csrf(request, csrf)
    cfg = config(request)
    if source not in cfg.sources or kind not in OBJECT_KINDS:
        raise HTTPException(404, "no such quarantine entry")
    outcome = release_quarantined(store(request), cfg.source(source), source, cast(ObjectKind, kind), crm_id,
                                  datetime.now(UTC))  # fmt: skip
    if not outcome.stored:
        return _back("quarantine", error=f"Still held: {outcome.reason}")
    engine = SyncEngine(cfg, store(request))
    try:
        engine.recalculate(source, [outcome.account_crm_id or crm_id], trigger="user")
    except CrmCreditError as error:
        log.warning("re-evaluation after a release: %s", error)
    finally:
        engine.close()
    log.info("%s %s/%s released by %s", kind, source, crm_id, user)
    return _back("quarantine", notice=f"Released {kind} {crm_id}: stored and re-evaluated")


@router.post("/accounts/{source}/{crm_id}/review")
def review(
    request: Request,
    user: User,
    source: str,
    crm_id: str,
    outcome: Annotated[str, Form()] = "",
    promise_to_pay_on: Annotated[str, Form()] = "",
    csrf: Csrf = "",
) -> Response:
    """Record a credit review's outcome as the logged-in user: resets the review date (seed §2, §6)."""
    check_csrf(request, csrf)
    cfg = config(request)
    if source not in cfg.sources:
        raise HTTPException(404, f"unknown source {source!r}")
    page = f"accounts/{quote(source, safe='')}/{quote(crm_id, safe='')}"
    try:
        promised = date.fromisoformat(promise_to_pay_on) if promise_to_pay_on.strip() else None
        record_review(cfg, store(request), (source, crm_id), outcome, user, lambda: datetime.now(UTC), promised)
    except ValueError:
        return _back(page, error=f"Not a date: {promise_to_pay_on[:40]!r} (YYYY-MM-DD)")
    except ConfigError as error:
        return _back(page, error=str(error))
    log.info("review of %s/%s recorded by %s", source, crm_id, user)
    return _back(page, notice=f"Review recorded by {user}; the next push writes the new review date to the CRM.")
