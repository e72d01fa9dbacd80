"""The admin pages (`/admin`): server-rendered with Jinja2, no front-end build, behind `[users]` tokens."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from webhooks.admin import actions, pages, requests_page
from webhooks.admin.web import AdminState


def mount_admin(app: FastAPI, config_path: Path | None = None) -> None:
    """Serve the admin pages from `app`; `config_path` (the file `serve` loaded) makes the mapping editable."""
    app.state.admin = AdminState(config_path)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(requests_page.router)
