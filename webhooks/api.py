"""`GET /healthz` and the read API (`/api/accounts/{source}/{crm_id}`), the latter for `[users]` only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from connectors.errors import ConfigError
from sync.status import account_view
from webhooks.auth import require_user
from webhooks.receivers import CrmId
from webhooks.service import Service

router = APIRouter()


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


@router.get("/healthz", tags=["health"])
async def healthz(request: Request) -> JSONResponse:
    """Whether the store and the queue are reachable (503 when either is not)."""
    health = await run_in_threadpool(_service(request).health)
    return JSONResponse(health, status_code=200 if health["status"] == "ok" else 503)


@router.get("/api/accounts/{source}/{crm_id}", tags=["api"])
async def account(
    source: str,
    crm_id: Annotated[CrmId, Path()],
    request: Request,
    user: Annotated[str, Depends(require_user)],
) -> dict[str, Any]:
    """One account's Decision with reasons, exposure, aging and history (as `account --json`)."""
    service = _service(request)
    if service.source(source) is None:
        raise HTTPException(404, f"no source named {source!r}")
    try:
        view = await run_in_threadpool(account_view, service.config, service.store, crm_id, source, datetime.now(UTC))
    except ConfigError:
        raise HTTPException(404, f"no account {crm_id!r} in source {source!r}") from None
    result: dict[str, Any] = json.loads(json.dumps(view, default=str))
    return result
