"""The FastAPI application of `crm-credit serve` (DESIGN §5); OpenAPI at /openapi.json.

Refusals share one shape, `{"detail": reason}`, and are logged with the source and the reason only:
never a body, a header, a token or a signature.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request
from starlette.responses import JSONResponse

from connectors.errors import CrmCreditError, NotificationRejected
from sync.config import AppConfig
from sync.engine import utc_now
from sync.queue import JobQueue
from sync.store import Store
from webhooks import api, receivers, requests_api
from webhooks.admin import mount_admin
from webhooks.service import Service

log = logging.getLogger(__name__)

INTAKE_THREADS = 16  # below sync.store.database.POOL_SIZE, leaving connections for the in-process worker


def create_app(
    config: AppConfig,
    store: Store,
    jobs: JobQueue,
    *,
    clock: Callable[[], datetime] = utc_now,
    learn_org_ids: bool = True,
    config_path: Path | None = None,
) -> FastAPI:
    """The app for one config; `learn_org_ids` logs in to each Salesforce source in the background at start."""
    service = Service(config, store, jobs, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The routes are sync and each holds a store connection: more threads than the store keeps
        # connections for would only open and close connections under a burst (sync.store.database).
        to_thread.current_default_thread_limiter().total_tokens = INTAKE_THREADS
        if learn_org_ids:
            service.org_ids.start()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(title="crm-credit", version="0.1.0", lifespan=lifespan)
    app.state.service = service
    app.include_router(receivers.router)
    app.include_router(api.router)
    app.include_router(requests_api.router)
    mount_admin(app, config_path)  # the admin pages; `config_path` makes the mapping editable

    @app.exception_handler(NotificationRejected)
    async def refused(request: Request, exc: NotificationRejected) -> JSONResponse:
        log.warning("%s refused (%d): %s", request.url.path, exc.status, exc.reason)
        headers = {"Retry-After": "60"} if exc.status == 503 else None
        return JSONResponse({"detail": exc.reason}, status_code=exc.status, headers=headers)

    @app.exception_handler(CrmCreditError)
    async def unavailable(request: Request, exc: CrmCreditError) -> JSONResponse:
        # A connector that cannot be built or reached: the CRM retries later (or the periodic sync covers it).
        log.error("%s: %s: %s", request.url.path, type(exc).__name__, exc)
        return JSONResponse({"detail": "this source is not available right now"}, status_code=503)

    return app
