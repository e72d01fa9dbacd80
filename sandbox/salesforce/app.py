"""The HTTP surface: every route Salesforce serves here, behind fault injection and call accounting."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.faults import CallLog, FaultMiddleware, FaultPlan
from sandbox.salesforce import oauth, soap_login
from sandbox.salesforce.api import bulk2, composite, misc, query, sobjects, tooling
from sandbox.salesforce.api.base import Call, Handler, api
from sandbox.salesforce.errors import SfError, error_body, json_response
from sandbox.salesforce.state import SandboxState

CONTROL_PREFIX = "/__sandbox__"
ALL_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"]


def by_method(**handlers: Handler) -> Handler:
    """Dispatch on the HTTP method, answering 405 the way Salesforce does."""

    def dispatch(call: Call) -> Response:
        handler = handlers.get(call.request.method)
        if handler is None:
            allowed = ",".join(handlers)
            raise SfError(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{call.request.method}' not allowed. Allowed are {allowed}"
            )
        return handler(call)

    return dispatch


def _both(path: str, endpoint: Callable[..., object]) -> list[BaseRoute]:
    """The path with and without a trailing slash (simple-salesforce uses both forms)."""
    return [Route(path, endpoint, methods=ALL_METHODS), Route(path + "/", endpoint, methods=ALL_METHODS)]


def _data_routes(state: SandboxState) -> list[BaseRoute]:
    def a(handler: Handler) -> Callable[..., object]:
        return api(state, handler)

    def missing(call: Call) -> Response:
        raise SfError(404, "NOT_FOUND", "The requested resource does not exist")

    tooling_query = by_method(GET=lambda c: query.run(c, include_deleted=False, tooling=True))
    return [
        Route("/", a(by_method(GET=misc.resources)), methods=ALL_METHODS),
        *_both("/limits", a(by_method(GET=misc.limits))),
        *_both("/query", a(by_method(GET=lambda c: query.run(c, include_deleted=False)))),
        *_both("/queryAll", a(by_method(GET=lambda c: query.run(c, include_deleted=True)))),
        Route("/query/{locator}", a(by_method(GET=query.more)), methods=ALL_METHODS),
        Route("/queryAll/{locator}", a(by_method(GET=query.more)), methods=ALL_METHODS),
        *_both("/sobjects", a(by_method(GET=sobjects.describe_all))),
        *_both("/sobjects/{sobject}", a(by_method(GET=sobjects.basic_info, POST=sobjects.create))),
        *_both("/sobjects/{sobject}/describe", a(by_method(GET=sobjects.describe))),
        *_both("/sobjects/{sobject}/updated", a(by_method(GET=sobjects.updated))),
        *_both("/sobjects/{sobject}/deleted", a(by_method(GET=sobjects.deleted))),
        Route(
            "/sobjects/{sobject}/{record_id}",
            a(by_method(GET=sobjects.get, PATCH=sobjects.update, DELETE=sobjects.delete)),
            methods=ALL_METHODS,
        ),
        *_both(
            "/composite/sobjects", a(by_method(POST=composite.create, PATCH=composite.update, DELETE=composite.delete))
        ),
        *_both("/composite/sobjects/{sobject}", a(by_method(GET=composite.retrieve, POST=composite.retrieve))),
        *_both("/jobs/query", a(by_method(POST=bulk2.create, GET=bulk2.listing))),
        *_both("/jobs/query/{job_id}", a(by_method(GET=bulk2.status, PATCH=bulk2.abort, DELETE=bulk2.delete))),
        *_both("/jobs/query/{job_id}/results", a(by_method(GET=bulk2.results))),
        *_both("/tooling/query", a(tooling_query)),
        Route("/tooling/query/{locator}", a(by_method(GET=query.more)), methods=ALL_METHODS),
        *_both("/tooling/sobjects", a(by_method(GET=tooling.describe_all))),
        *_both("/tooling/sobjects/{sobject}", a(by_method(POST=tooling.create))),
        *_both("/tooling/sobjects/{sobject}/describe", a(by_method(GET=tooling.describe))),
        Route(
            "/tooling/sobjects/{sobject}/{record_id}",
            a(by_method(GET=tooling.get, PATCH=tooling.update, DELETE=tooling.delete)),
            methods=ALL_METHODS,
        ),
        Route("/{rest:path}", a(missing), methods=ALL_METHODS),
    ]


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    response = json_response([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], 404)
    await response(scope, receive, send)


def build_app(state: SandboxState, plan: FaultPlan, log: CallLog, control: list[BaseRoute]) -> ASGIApp:
    """The sandbox's ASGI app: Salesforce routes, the control API, fault injection, call log."""

    async def login(request: Request) -> Response:
        return await soap_login.soap_login(request, state)

    async def token(request: Request) -> Response:
        return await oauth.token(request, state)

    async def userinfo(request: Request) -> Response:
        return await oauth.userinfo(request, state)

    routes: list[BaseRoute] = [
        *_both("/services/data", misc.versions),
        Mount("/services/data/v{version}", routes=_data_routes(state)),
        Route("/services/oauth2/token", token, methods=["POST"]),
        Route("/{prefix:path}/services/oauth2/token", token, methods=["POST"]),
        Route("/services/oauth2/userinfo", userinfo, methods=["GET", "POST"]),
        Route("/id/{org}/{user}", userinfo, methods=["GET"]),
        Route("/services/Soap/u/{version}", login, methods=["POST"]),
        Route("/{prefix:path}/services/Soap/u/{version}", login, methods=["POST"]),
        Mount(CONTROL_PREFIX, routes=control),
    ]
    router = Router(routes=routes, redirect_slashes=False, default=_not_found)
    return FaultMiddleware(router, plan, log, error_body, exempt=lambda path: path.startswith(CONTROL_PREFIX))
