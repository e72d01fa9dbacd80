"""The OpenAPI gateway: routes, authentication, the daily pack, the per-interface window.

Order of checks for a business call: known path (else 10006 "… is not exists", still HTTP 200),
auth (20017 none, 20016 bad or expired), daily pack (30003 none bought, 30002 spent), the
interface's window (14001), then the call's own parameters. The token calls are throttled to 10 a
minute and answer 10006 for any wrong credential, as probed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.faults import read_body
from sandbox.fxiaoke import data_api, meta_api
from sandbox.fxiaoke.auth import Credentials, TokenStore, authenticate, check_credentials
from sandbox.fxiaoke.data_api import Call
from sandbox.fxiaoke.envelope import BAD_CREDENTIALS, EMPTY_BODY, PARAMETER_ERROR, RATE_LIMITED, FxError, fail, trace_id
from sandbox.fxiaoke.limits import DailyQuota, SlidingWindow
from sandbox.fxiaoke.tenant import Tenant

NEW_TOKEN, LEGACY_TOKEN = "/oauth2.0/token", "/cgi/corpAccessToken/get/V2"
Handler = Callable[[Call], JSONResponse]


@dataclass(frozen=True)
class Endpoint:
    """A business path: its handler and which objects it serves."""

    handler: Handler
    custom_path: bool | None  # True: only `__c` objects; False: only preset objects; None: either


def _family(prefix: str, custom: bool) -> dict[str, Endpoint]:
    handlers: dict[str, Handler] = {
        "query": data_api.query,
        "get": data_api.get,
        "update": data_api.update,
        "create": data_api.create,
        "invalid": data_api.invalid,
        "delete": data_api.delete,
        "recover": data_api.recover,
    }
    return {f"{prefix}/{name}": Endpoint(handler, custom) for name, handler in handlers.items()}


ENDPOINTS: dict[str, Endpoint] = {
    **_family("/cgi/crm/v2/data", custom=False),
    **_family("/cgi/crm/custom/v2/data", custom=True),
    "/cgi/crm/custom/v2/data/findSimple": Endpoint(lambda call: data_api.query(call, simple=True), None),
    "/cgi/crm/custom/data/invalid": Endpoint(data_api.invalid_many, True),
    "/cgi/crm/v2/object/list": Endpoint(meta_api.object_list, None),
    "/cgi/crm/v2/object/describe": Endpoint(meta_api.describe, None),
    "/cgi/user/list": Endpoint(meta_api.user_list, None),
}


class Gateway:
    """Answers every OpenAPI path of one tenant."""

    def __init__(
        self,
        tenant: Tenant,
        creds: Credentials,
        tokens: TokenStore,
        quota: DailyQuota,
        window: SlidingWindow,
        token_window: SlidingWindow,
    ) -> None:
        self.tenant = tenant
        self.creds = creds
        self.tokens = tokens
        self.quota = quota
        self.window = window
        self.token_window = token_window

    async def endpoint(self, request: Request) -> Response:
        """The Starlette endpoint for every path outside the control prefix."""
        path = request.url.path
        if request.method != "POST" or (path not in ENDPOINTS and path not in (NEW_TOKEN, LEGACY_TOKEN)):
            return fail(FxError(BAD_CREDENTIALS, f"the request uri=[{path}], apiName=[null] is not exists"))
        body = _parse(await read_body(request))
        try:
            if path in (NEW_TOKEN, LEGACY_TOKEN):
                return self.token(path == NEW_TOKEN, body if isinstance(body, dict) else {})
            return self.business(path, request, body)
        except FxError as error:
            return self.token_error(error) if path == NEW_TOKEN else fail(error)

    def token(self, new_style: bool, body: dict[str, Any]) -> JSONResponse:
        """Issue (or re-issue) the tenant's token."""
        if not self.token_window.admit("token"):
            raise FxError(RATE_LIMITED, "获取token接口每分钟调用不能超过10次")
        check_credentials(body, self.creds, new_style)
        token, expires_in = self.tokens.issue()
        if new_style:
            fields = {
                "openUserId": self.creds.corp_id,
                "accessToken": token,
                "expiresIn": expires_in,
                "appId": self.creds.app_id,
                "ea": self.creds.ea,
            }
        else:
            fields = {"corpAccessToken": token, "corpId": self.creds.corp_id, "expiresIn": expires_in}
        return JSONResponse({**fields, "errorCode": 0, "errorMessage": "success", "traceId": trace_id()})

    @staticmethod
    def token_error(error: FxError) -> JSONResponse:
        # The new token endpoint adds OAuth-style `error` / `error_description` (probe P1).
        """An error answer of the new-style token call."""
        body = {
            "errorCode": error.code,
            "errorMessage": error.message,
            "errorDescription": error.description or error.message,
        }
        if error.code == BAD_CREDENTIALS:
            body.update(error="非法请求", error_description=error.description or error.message)
        return JSONResponse(body)

    def business(self, path: str, request: Request, body: object) -> JSONResponse:
        """Authenticate, count and answer one business call."""
        fields = body if isinstance(body, dict) else {}
        caller = authenticate(request.headers, fields, self.tokens, self.creds, self.tenant.people)
        self.quota.spend()
        if not self.window.admit(path):
            raise FxError(RATE_LIMITED)
        if body is None:
            raise FxError(EMPTY_BODY)
        if not isinstance(body, dict):
            raise FxError(PARAMETER_ERROR, "请求体必须是 JSON 对象")
        endpoint = ENDPOINTS[path]
        return endpoint.handler(Call(self.tenant, caller, body, endpoint.custom_path))


def _parse(raw: bytes) -> object:
    """The JSON body; None when empty, a non-dict marker when it is not JSON."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return "not json"
