"""`/api/requests`: list, create, approve and reject limit-increase requests as the calling `[users]` entry.

The caller is the bearer token's user (or the admin session's); the rules are the request desk's. A
step the rules refuse answers 409 with the rule's code; an unknown account or request 404; a bad
amount or date 400. Each step re-evaluates the account and queues its write-back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.errors import ConfigError
from credit_core.requests import RequestRefused
from sync.request_desk import NotFound, RequestDesk, list_requests
from sync.store.requests import StoredRequest
from webhooks.auth import require_user
from webhooks.service import Service

router = APIRouter(prefix="/api/requests", tags=["requests"])
User = Annotated[str, Depends(require_user)]
# Request ids are the store's integer keys: anything outside a 32-bit key cannot exist (PostgreSQL refuses it).
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
StoredStatus = Literal["pending", "approved", "rejected", "withdrawn"]


class NewRequestBody(BaseModel):
    """A limit asked for one account, in its currency (money as a string, never a float)."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=64)
    crm_id: str = Field(min_length=1, max_length=128)
    amount: Decimal = Field(gt=0, allow_inf_nan=False)
    reason: str | None = Field(default=None, max_length=1000)
    expires_on: date | None = None
    manual: bool = False  # a limit set by hand, even below the policy's: always decided by an approver

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("money is a string or an integer, never a float (it loses cents)")
        return value


class DecisionBody(BaseModel):
    """An approval's expiry (default: what was asked, else the policy's override_days) and a note."""

    model_config = ConfigDict(extra="forbid")
    expires_on: date | None = None
    note: str | None = Field(default=None, max_length=1000)


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _desk(request: Request, user: str, origin: str = "api") -> RequestDesk:
    service = _service(request)
    return RequestDesk(service.config, service.store, service.clock, user, origin)


def answer(run: Any) -> dict[str, Any]:
    """Run one desk step and map its refusals onto HTTP answers."""
    try:
        found: StoredRequest = run()
    except RequestRefused as refusal:
        raise HTTPException(409, {"code": refusal.code, "message": str(refusal)}) from None
    except ConfigError as error:
        raise HTTPException(404 if isinstance(error, NotFound) else 400, str(error)) from None
    return found.to_json()


@router.get("")
def requests_list(
    request: Request, user: User, status: StoredStatus | None = None, source: str | None = None
) -> dict[str, Any]:
    """Requests, newest first (optionally one status or one source)."""
    rows = list_requests(_service(request).store, status)
    return {"requests": [r for r in rows if source is None or r["source"] == source]}


@router.post("", status_code=201)
def requests_create(request: Request, user: User, body: NewRequestBody) -> dict[str, Any]:
    """Ask for a limit: approved at once within what the policy grants, else routed by approver ceiling."""
    desk = _desk(request, user)
    return answer(lambda: desk.create((body.source, body.crm_id), body.amount, body.reason, body.expires_on,
                                  body.manual))  # fmt: skip


@router.post("/{request_id}/approve")
def requests_approve(request: Request, user: User, request_id: RequestId, body: DecisionBody) -> dict[str, Any]:
    """Approve someone else's pending request within your role's ceiling."""
    desk = _desk(request, user)
    return answer(lambda: desk.approve(request_id, body.expires_on, body.note))


@router.post("/{request_id}/reject")
def requests_reject(request: Request, user: User, request_id: RequestId, body: DecisionBody) -> dict[str, Any]:
    """Reject someone else's pending request within your role's ceiling."""
    desk = _desk(request, user)
    return answer(lambda: desk.reject(request_id, body.note))
