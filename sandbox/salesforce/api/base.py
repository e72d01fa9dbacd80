"""What every REST call goes through: version check, session, the API budget, the org lock and
Salesforce's error bodies; `Sforce-Limit-Info` on every answer."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.errors import RecordError, SfError, invalid_session, json_response, not_found
from sandbox.salesforce.org import Org
from sandbox.salesforce.sessions import Session
from sandbox.salesforce.state import API_VERSIONS, SandboxState
from sandbox.salesforce.wire import dumps
from sandbox.salesforce.writes import Actor

LIMIT_EXCEEDED = SfError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
JSON = "application/json;charset=UTF-8"


@dataclass
class Call:
    """One authenticated REST request."""

    request: Request
    state: SandboxState
    version: str
    session: Session
    body: bytes

    @property
    def org(self) -> Org:
        """The org this call works on."""
        return self.state.org

    @property
    def params(self) -> dict[str, str]:
        """Path parameters."""
        return self.request.path_params

    @property
    def query(self) -> dict[str, str]:
        """Query-string parameters (first value of each)."""
        return dict(self.request.query_params)

    def json(self) -> object:
        """The JSON body, or 400 JSON_PARSER_ERROR as Salesforce answers unparsable input."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as error:
            raise SfError(
                400, "JSON_PARSER_ERROR", f"Unexpected character: was expecting a JSON value ({error})"
            ) from None

    @property
    def actor(self) -> Actor:
        """The session's user, tagged with `Sforce-Call-Options: client=...` when sent."""
        client = None
        for option in self.request.headers.get("sforce-call-options", "").split(","):
            key, _, value = option.strip().partition("=")
            if key.strip().lower() == "client":
                client = value.strip()
        return Actor(self.session.user_id, client, api=True)


def json_body(value: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer with Salesforce's number formats."""
    return Response(dumps(value), status, headers=headers, media_type=JSON)


Handler = Callable[[Call], Response]


def api(state: SandboxState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with the checks Salesforce applies before any REST resource answers."""

    async def endpoint(request: Request) -> Response:
        version = request.path_params.get("version", "")
        header = request.headers.get("authorization", "")
        token = header.split(" ", 1)[1] if header.lower().startswith(("bearer ", "oauth ")) else ""
        session = state.sessions.check(token.strip()) if token else None
        if version not in API_VERSIONS:
            response = not_found().response()
        elif session is None:
            response = invalid_session().response()
        elif not state.budget.spend():
            response = LIMIT_EXCEEDED.response()
        else:
            body = await request.body()
            response = _run(handler, Call(request, state, version, session, body))
        response.headers["Sforce-Limit-Info"] = state.budget.header()
        return response

    return endpoint


def _run(handler: Handler, call: Call) -> Response:
    try:
        with call.org.lock:
            return handler(call)
    except SfError as error:
        return error.response()
    except RecordError as error:
        return error.as_sf_error().response()
    except Exception:  # an emulator bug must still answer the way Salesforce answers its own
        traceback.print_exc(file=sys.stderr)
        return json_response(
            [
                {
                    "message": "An unexpected error occurred. Please include this ErrorId if you contact "
                    "support: 1108410557-31337 (-1123380385)",
                    "errorCode": "UNKNOWN_EXCEPTION",
                }
            ],
            500,
        )
