"""What every admin page shares: the signed-in user, CSRF tokens, the current config, and rendering.

Forms are protected with a double-submit token: a random value in an HttpOnly, SameSite=Strict
cookie that every POST form echoes in a hidden field (compared in constant time); a POST whose
Origin header names another site is refused as well. Tokens never appear in logs or pages.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.responses import HTMLResponse

from sync.config import AppConfig
from sync.store import Store
from webhooks.auth import current_user
from webhooks.report.html import environment
from webhooks.service import Service

CSRF_COOKIE = "crm_credit_csrf"
TEMPLATES = environment()


@dataclass
class AdminState:
    """Per process: the config file (for the mapping editor) and a config reloaded after an edit."""

    config_path: Path | None
    reloaded: AppConfig | None = field(default=None)


def service(request: Request) -> Service:
    """The receiver's shared state (config, store, connectors)."""
    found: Service = request.app.state.service
    return found


def admin_state(request: Request) -> AdminState:
    """This process's admin state."""
    found: AdminState = request.app.state.admin
    return found


def config(request: Request) -> AppConfig:
    """The config in force for the admin pages (the edited one once the mapping was saved here)."""
    return admin_state(request).reloaded or service(request).config


def store(request: Request) -> Store:
    """The store."""
    return service(request).store


def admin_user(request: Request) -> str:
    """FastAPI dependency: the signed-in user (cookie or bearer token), else a redirect to the login form."""
    user = current_user(request, service(request).config.users)
    if user is None:
        raise HTTPException(303, "log in first", headers={"Location": "/admin/login"})
    return user


def csrf_token(request: Request) -> str:
    """The caller's CSRF token (a new one when the cookie is missing)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def check_csrf(request: Request, submitted: str) -> None:
    """Refuse a POST whose form token does not match the cookie, or that comes from another origin."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-site request refused")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise HTTPException(403, "the form expired or came from elsewhere: reload the page and try again")


def render(request: Request, template: str, status: int = 200, user: str | None = None, **context: Any) -> HTMLResponse:
    """A page, with the CSRF cookie set if the browser has none yet."""
    token = csrf_token(request)
    body = TEMPLATES.get_template(template).render(csrf=token, user=user, **context)
    response = HTMLResponse(body, status_code=status)
    if request.cookies.get(CSRF_COOKIE) != token:
        secure = request.url.scheme == "https"
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/admin")
    return response
