"""What every API handler gets: the sandbox state and the authenticated user, plus shared helpers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.faults import CallLog, FaultPlan
from sandbox.zoho.auth import OAuthServer
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.limits import Budget
from sandbox.zoho.org import Org
from sandbox.zoho.paging import PageTokens
from sandbox.zoho.rules import Rules
from sandbox.zoho.schema import ModuleDef
from sandbox.zoho.watch import Channels


@dataclass
class State:
    """Everything one sandbox serves from."""

    org: Org
    oauth: OAuthServer
    budget: Budget
    channels: Channels
    log: CallLog = field(default_factory=CallLog)
    faults: FaultPlan = field(default_factory=FaultPlan)
    pages: PageTokens = field(default_factory=PageTokens)
    rules: Rules = field(default_factory=Rules)
    base_url: str = ""


@dataclass(frozen=True)
class Api:
    """One authenticated API call."""

    state: State
    user_id: int

    @property
    def org(self) -> Org:
        return self.state.org

    def charge(self, credits: int) -> None:
        """Spend API credits (429 when the budget is gone)."""
        self.state.budget.charge(credits)

    def module(self, name: str) -> ModuleDef:
        """A record module by API name, or 400 INVALID_MODULE."""
        module = self.org.module(name)
        if module is None:
            raise ZohoError(400, "INVALID_MODULE", {"resource_path_index": 0})
        return module


Handler = Callable[[Request, Api], Awaitable[Response]]


def api_endpoint(state: State, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with Zoho's token check and error rendering."""

    async def endpoint(request: Request) -> Response:
        try:
            user_id = state.oauth.authorize(request.headers.get("authorization"))
            return await handler(request, Api(state, user_id))
        except ZohoError as error:
            return error.response()

    return endpoint


async def json_body(request: Request) -> Any:
    """The JSON body, whatever the Content-Type (Zoho's SDKs send none on PUT) [zoho.md §6.4]."""
    raw = await request.body()
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise ZohoError(400, "INVALID_DATA", {}, "the json given seems to be invalid") from None


def int_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    """A bounded integer query parameter, or 400 INVALID_DATA naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        raise ZohoError(400, "INVALID_DATA", {"param_name": name})
    return int(raw)
