"""The webhook endpoints (DESIGN §5): Salesforce Outbound Messages, Zoho callbacks, signed generic JSON.

Each checks its sender before anything else happens and answers a refusal with 400/401/413 and a
short reason, having changed nothing. Bodies are read with the `[webhooks] max_body_kb` cap. A
verified notification is only queued (`Service.accept`); the worker does the rest.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.responses import JSONResponse, Response

from connectors.base import Change, Notification
from webhooks.body import read_capped
from webhooks.service import Intake, Service
from webhooks.signature import verify

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

# CRM record ids: Salesforce 15/18 alphanumerics, Zoho digits, Fxiaoke hex/alphanumerics with dashes.
CrmId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
MAX_IDS = 1000
_XML_BODY = {"requestBody": {"required": True, "content": {"text/xml": {"schema": {"type": "string"}}}}}


class GenericNotification(BaseModel):
    """The generic webhook's body: which records of one kind changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    object: Literal["account", "invoice", "order", "payment"]
    ids: list[CrmId] = Field(min_length=1, max_length=MAX_IDS)


class Accepted(BaseModel):
    """What the receiver did with a notification."""

    changes: int
    queued: int
    duplicate: bool


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _settings_or_404(service: Service, source: str, kind: str | None) -> None:
    if service.source(source, kind) is None:
        raise HTTPException(404, f"no {kind + ' ' if kind else ''}source named {source!r}")


def _accepted(intake: Intake, status: int = 200) -> JSONResponse:
    body = Accepted(changes=intake.changes, queued=intake.queued, duplicate=intake.duplicate)
    return JSONResponse(body.model_dump(), status_code=status)


@router.post("/salesforce/outbound/{source}", openapi_extra=_XML_BODY, response_class=Response)
async def salesforce_outbound(source: str, request: Request) -> Response:
    """A Salesforce Outbound Message (SOAP). Answered with the SOAP Ack, duplicates included."""
    service = _service(request)
    _settings_or_404(service, source, "salesforce")
    body = await read_capped(request, service.max_body_bytes)
    if not service.org_ids.known(source):
        # Salesforce retries unacknowledged messages for 24 h: nothing is lost by asking it to come back.
        raise HTTPException(503, "the org id of this source is not known yet", headers={"Retry-After": "60"})
    notification = await run_in_threadpool(service.parse, source, body, dict(request.headers))
    await run_in_threadpool(service.accept, source, notification)
    return Response(notification.ack_body, media_type=notification.ack_media_type)


@router.post("/zoho/{source}", response_model=Accepted)
async def zoho_callback(source: str, request: Request) -> JSONResponse:
    """A Zoho CRM notification on one of our watch channels (channel_id and token are checked)."""
    service = _service(request)
    _settings_or_404(service, source, "zoho")
    body = await read_capped(request, service.max_body_bytes)
    notification = await run_in_threadpool(service.parse, source, body, dict(request.headers))
    return _accepted(await run_in_threadpool(service.accept, source, notification))


@router.post(
    "/generic/{source}",
    status_code=202,
    response_model=Accepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": GenericNotification.model_json_schema()}},
        },
        "parameters": [
            {"name": "X-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "X-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
        ],
    },
)
async def generic_webhook(source: str, request: Request) -> JSONResponse:
    """Signed JSON `{"object", "ids"}` for any source (Fxiaoke has no push API of its own)."""
    service = _service(request)
    secret = service.config.webhooks.secret.get_secret_value()
    if not secret:
        raise HTTPException(404, "the generic webhook is off until [webhooks] secret is set")
    settings = service.source(source)
    if settings is None:
        raise HTTPException(404, f"no source named {source!r}")
    body = await read_capped(request, service.max_body_bytes)
    headers = request.headers
    digest = verify(secret.encode(), headers.get("x-timestamp"), headers.get("x-signature"), body, time.time())
    try:
        parsed = GenericNotification.model_validate_json(body)
    except ValidationError:
        raise HTTPException(400, 'body must be {"object": "account|invoice|order|payment", "ids": [CRM ids]}') from None
    if settings.mapping(parsed.object) is None:
        raise HTTPException(400, f"source {source!r} maps no {parsed.object}s")
    await run_in_threadpool(service.spend_signature, source, digest)
    notification = Notification(tuple(Change(parsed.object, crm_id) for crm_id in dict.fromkeys(parsed.ids)))
    return _accepted(await run_in_threadpool(service.accept, source, notification), status=202)
