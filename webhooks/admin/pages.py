"""The admin pages people read: sources, customers, mapping, checks, outbox, quarantine, policy, glossary, report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from connectors.errors import ConfigError, CrmCreditError
from connectors.field_check import check_fields
from credit_core.glossary import GRADE_GLOSSARY, STATUS_GLOSSARY, TERM_GLOSSARY, flag_glossary, reason_glossary
from credit_core.policy import load_policy
from sync.browse import LIMIT, find_accounts
from sync.mapping_edit import SECTIONS, read_section
from sync.portfolio import portfolio_report
from sync.request_desk import list_requests
from sync.status import account_view, status
from sync.store import outbox as box
from sync.store.alerts import list_tasks
from sync.store.quarantine import list_quarantine
from sync.store.schema import accounts
from webhooks.admin.policy_view import policy_view
from webhooks.admin.web import TEMPLATES, admin_state, admin_user, config, render, service, store
from webhooks.report.html import report_context

router = APIRouter(prefix="/admin", include_in_schema=False)
User = Annotated[str, Depends(admin_user)]


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    """The login form (a `[users]` token in, an HttpOnly session cookie out)."""
    return render(request, "login.html.j2")


@router.get("")
def home(request: Request, user: User) -> HTMLResponse:
    """Sources and their sync state."""
    cfg = config(request)
    report = status(cfg, store(request), datetime.now(UTC))
    with store(request).read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(accounts).where(accounts.c.deleted.is_(False)))
        stored = int(count.scalar_one())
    policy = load_policy(cfg.policy.path())
    return render(request, "home.html.j2", user=user, sources=report["sources"], accounts=stored,
                  policy_version=policy.policy_version, store_kind=store(request).dialect)  # fmt: skip


@router.get("/accounts")
def customers(request: Request, user: User, q: str = "") -> HTMLResponse:
    """The largest exposures, or a search by name or CRM id."""
    lines = find_accounts(store(request), q, LIMIT)
    return render(request, "accounts.html.j2", user=user, q=q, lines=lines, limit=LIMIT)


@router.get("/accounts/{source}/{crm_id}")
def customer(request: Request, user: User, source: str, crm_id: str, notice: str = "", error: str = "") -> HTMLResponse:
    """One customer: decision, flags and reasons in plain words, aging, history, owner tasks, the review form."""
    cfg = config(request)
    try:
        view = account_view(cfg, store(request), crm_id, source, datetime.now(UTC))
    except ConfigError as failure:
        raise HTTPException(404, str(failure)) from None
    neutral = load_policy(cfg.policy.path()).neutral_score
    asked = list_requests(store(request), key=(view["source"], crm_id))
    with store(request).read() as conn:
        tasks = list_tasks(conn, source, crm_id)
    return render(request, "account.html.j2", user=user, v=view, flags=flag_glossary(), reasons=reason_glossary(),
                  statuses=STATUS_GLOSSARY, neutral=neutral, limit_requests=asked, tasks=tasks, notice=notice,
                  error=error)  # fmt: skip


def mapping_page(request: Request, user: str, source: str, error: str = "", notice: str = "", status: int = 200,
                 edits: dict[str, dict[str, str]] | None = None) -> HTMLResponse:  # fmt: skip
    """The mapping editor of one source, optionally with a message and the admin's unsaved text."""
    cfg = config(request)
    try:
        settings = cfg.source(source)
    except ConfigError as problem:
        raise HTTPException(404, str(problem)) from None
    path = admin_state(request).config_path
    sections = []
    for section in SECTIONS:
        table = getattr(settings, section, None)
        if table is None:
            continue
        text = read_section(path, source, section) if path else None
        shown = {"object": text.crm_object if text else table.object, "fields": text.fields if text else "",
                 "transforms": text.transforms if text else ""}  # fmt: skip
        shown.update((edits or {}).get(section, {}))
        sections.append({"section": section, "crm_object": shown["object"], **shown})
    return render(request, "mapping.html.j2", status=status, user=user, source=source, kind=settings.kind,
                  sections=sections, path=path, editable=path is not None, error=error, notice=notice)  # fmt: skip


@router.get("/mapping/{source}")
def mapping(request: Request, user: User, source: str) -> HTMLResponse:
    """The mapping of one source, editable table by table."""
    return mapping_page(request, user, source)


@router.get("/checks/{source}")
def checks(request: Request, user: User, source: str) -> HTMLResponse:
    """Every mapped field as the CRM describes it now."""
    cfg = config(request)
    try:
        settings = cfg.source(source)
        lines = check_fields(settings, service(request).connector(source).describe)
    except ConfigError as error:
        raise HTTPException(404, str(error)) from None
    except CrmCreditError as error:
        return render(request, "checks.html.j2", user=user, source=source, lines=[], problems="?", error=str(error))
    problems = sum(line.problem for line in lines)
    return render(request, "checks.html.j2", user=user, source=source, lines=lines, problems=problems)


@router.get("/outbox")
def outbox(request: Request, user: User, source: str | None = None, notice: str = "") -> HTMLResponse:
    """Write-backs that wait, failed or were rejected."""
    names = [source] if source else list(config(request).sources)
    by_source = {}
    with store(request).read() as conn:
        for name in names:
            rows = [
                r
                for state in ("rejected", "failed", "pending", "in_flight")
                for r in box.rows_in_state(conn, name, state)
            ]
            by_source[name] = rows[:200]
    return render(request, "outbox.html.j2", user=user, by_source=by_source, notice=notice)


@router.get("/quarantine")
def quarantine(
    request: Request, user: User, source: str | None = None, notice: str = "", error: str = ""
) -> HTMLResponse:
    """Records held back, with what was wrong."""
    with store(request).read() as conn:
        entries = list_quarantine(conn, source, limit=500)
    return render(request, "quarantine.html.j2", user=user, entries=entries, notice=notice, error=error)


@router.get("/policy")
def policy(request: Request, user: User) -> HTMLResponse:
    """The policy in force, explained."""
    cfg = config(request)
    return render(request, "policy.html.j2", user=user, policy_file=cfg.policy.file,
                  **policy_view(load_policy(cfg.policy.path())))  # fmt: skip


@router.get("/glossary")
def glossary(request: Request, user: User) -> HTMLResponse:
    """Every reason code, flag, status and grade in plain words."""
    return render(request, "glossary.html.j2", user=user, reasons=reason_glossary(), flags=flag_glossary(),
                  statuses=STATUS_GLOSSARY, grades=GRADE_GLOSSARY, terms=TERM_GLOSSARY)  # fmt: skip


@router.get("/report")
def report(request: Request, user: User) -> Response:
    """The portfolio report (the same page `crm-credit report --html` writes), with the admin navigation."""
    data = portfolio_report(config(request), store(request), datetime.now(UTC))
    context = report_context(data)
    body = TEMPLATES.get_template("report.html.j2").render(
        **context, admin_nav=True, user=user, csrf=request.cookies.get("crm_credit_csrf", ""),
        account_link=lambda source, crm_id: f"/admin/accounts/{source}/{crm_id}",
    )  # fmt: skip
    return HTMLResponse(body)


@router.get("/")
def slash() -> RedirectResponse:
    """`/admin/` is `/admin`."""
    return RedirectResponse("/admin", status_code=307)
