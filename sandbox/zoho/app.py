"""The Starlette app: one HTTPS origin acting as Zoho's accounts host and API host.

Routes are matched like Zoho matches them: unknown paths give 404 `INVALID_URL_PATTERN`, a wrong
method 400 `INVALID_REQUEST_METHOD`, an unknown module 400 `INVALID_MODULE`. The control API for
tests lives under `/__sandbox__/` and is neither authenticated, faulted, logged nor billed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from sandbox.faults import FaultMiddleware
from sandbox.zoho.context import Handler, State, api_endpoint
from sandbox.zoho.coql_run import run_coql
from sandbox.zoho.errors import ZohoError, error_entry, fault_body
from sandbox.zoho.limits import ConcurrencyGate
from sandbox.zoho.records_read import get_record, list_deleted, list_records
from sandbox.zoho.records_write import insert_records, update_records
from sandbox.zoho.settings_api import create_fields, get_fields, get_org, get_user, list_users
from sandbox.zoho.watch_api import change_watch, delete_watch, list_watch

CONTROL_PREFIX = "/__sandbox__"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
Endpoint = Callable[[Request], Awaitable[Response]]


def by_method(state: State, handlers: dict[str, Handler]) -> Endpoint:
    """One endpoint serving several methods; any other method is Zoho's INVALID_REQUEST_METHOD."""
    wrapped = {method: api_endpoint(state, handler) for method, handler in handlers.items()}

    async def endpoint(request: Request) -> Response:
        handler = wrapped.get(request.method)
        if handler is None:
            return ZohoError(400, "INVALID_REQUEST_METHOD", {"resource_path_index": 0}).response()
        return await handler(request)

    return endpoint


def token_endpoint(state: State) -> Endpoint:
    """`POST /oauth/v2/token`: parameters in the query string or a form body, as Zoho accepts both."""

    async def endpoint(request: Request) -> Response:
        params = dict(request.query_params)
        params.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
        return JSONResponse(state.oauth.token(params, state.base_url))

    return endpoint


async def not_found(request: Request, exc: Any) -> Response:
    """Unknown URL: Zoho's INVALID_URL_PATTERN."""
    return JSONResponse(error_entry("INVALID_URL_PATTERN"), status_code=404)


def api_routes(state: State) -> list[Route]:
    """The `/crm/v8/...` routes, most specific first."""
    return [
        Route("/settings/fields", by_method(state, {"GET": get_fields, "POST": create_fields}), methods=ALL_METHODS),
        Route("/coql", by_method(state, {"POST": run_coql}), methods=ALL_METHODS),
        Route(
            "/actions/watch",
            by_method(
                state,
                {
                    "GET": list_watch,
                    "POST": change_watch,
                    "PUT": change_watch,
                    "PATCH": change_watch,
                    "DELETE": delete_watch,
                },
            ),
            methods=ALL_METHODS,
        ),
        Route("/users", by_method(state, {"GET": list_users}), methods=ALL_METHODS),
        Route("/users/{user_id}", by_method(state, {"GET": get_user}), methods=ALL_METHODS),
        Route("/org", by_method(state, {"GET": get_org}), methods=ALL_METHODS),
        Route("/{module}/deleted", by_method(state, {"GET": list_deleted}), methods=ALL_METHODS),
        Route(
            "/{module}/{record_id}", by_method(state, {"GET": get_record, "PUT": update_records}), methods=ALL_METHODS
        ),
        Route(
            "/{module}",
            by_method(state, {"GET": list_records, "PUT": update_records, "POST": insert_records}),
            methods=ALL_METHODS,
        ),
    ]


def build_app(state: State, control: list[Route]) -> ASGIApp:
    """The full ASGI app: routes, Zoho error pages, fault injection and the concurrency gate."""
    app = Starlette(
        routes=[
            Route("/oauth/v2/token", token_endpoint(state), methods=["POST"]),
            Mount("/crm/v8", routes=api_routes(state)),
            Mount(CONTROL_PREFIX, routes=control),
        ],
        exception_handlers={404: not_found, 405: not_found},
    )
    faulted = FaultMiddleware(
        app, state.faults, state.log, fault_body, exempt=lambda path: path.startswith(CONTROL_PREFIX)
    )
    return ConcurrencyGate(faulted, state.budget, state.log)
