"""The control API over HTTP, under `/__sandbox__/`, for tests and demos running in other processes.

It mirrors `ZohoSandbox`'s Python methods; it is not authenticated, not billed and not logged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.rules import OPERATORS, comparison

if TYPE_CHECKING:
    from sandbox.zoho.sandbox import ZohoSandbox

Endpoint = Callable[[Request], Awaitable[Response]]


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    parsed = json.loads(raw) if raw else {}
    return parsed if isinstance(parsed, dict) else {}


def _guard(action: Callable[[Request], Awaitable[Any]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            result = await action(request)
        except ZohoError as error:
            return error.response()
        except (KeyError, ValueError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def control_routes(sandbox: ZohoSandbox) -> list[Route]:
    """Routes mounted at `/__sandbox__`."""

    async def info(request: Request) -> dict[str, Any]:
        return {
            "url": sandbox.url,
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "refresh_token": sandbox.refresh_token,
            "credits_used": sandbox.credits_used,
            "token_refreshes": sandbox.token_refreshes,
            "counts": {name: len(table) for name, table in sandbox.org.tables.items()},
        }

    async def records(request: Request) -> Any:
        module = request.path_params["module"]
        if request.method == "POST":
            body = await _body(request)
            return {"id": sandbox.create_record(module, body.get("values", {}), body.get("by"))}
        return {"ids": sandbox.ids(module)}

    async def record(request: Request) -> Any:
        module, record_id = request.path_params["module"], request.path_params["record_id"]
        if request.method == "PATCH":
            body = await _body(request)
            return sandbox.update_record(module, record_id, body.get("values", {}), body.get("by"))
        if request.method == "DELETE":
            sandbox.delete_record(module, record_id, request.query_params.get("permanent") == "true")
            return {"deleted": record_id}
        found = sandbox.get_record(module, record_id)
        return found if found is not None else JSONResponse({"error": "not found"}, status_code=404)

    async def tokens(request: Request) -> dict[str, Any]:
        action = request.path_params["action"]
        if action == "expire":
            sandbox.expire_tokens()
        elif action == "revoke":
            sandbox.revoke_token(refresh=(await _body(request)).get("refresh", False))
        else:
            raise ValueError(f"unknown token action {action!r}")
        return {"done": action}

    async def faults(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            sandbox.faults.clear()
            return {"cleared": True}
        body = await _body(request)
        if "latency_s" in body:
            sandbox.faults.latency_s = float(body["latency_s"])
        if "status" in body or "delay_s" in body:
            sandbox.faults.add(Fault(**{k: v for k, v in body.items() if k != "latency_s"}))
        return {"added": body}

    async def rules(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            sandbox.clear_rules()
            return {"cleared": True}
        body = await _body(request)
        op = body.get("op")
        if op is not None and op not in OPERATORS:
            raise ValueError(f"unknown operator {op!r}")
        test = comparison(op, body.get("value")) if op is not None else None
        rule = sandbox.reject(
            body["module"], body.get("ids"), body.get("field"), test,
            body.get("code", "INVALID_DATA"), body.get("message", "invalid data"), body.get("times"),
        )  # fmt: skip
        return {"module": rule.module, "code": rule.code}

    async def calls(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            sandbox.calls.clear()
        return {"calls": [asdict(c) for c in list(sandbox.calls.calls)]}

    async def limits(request: Request) -> dict[str, Any]:
        body = await _body(request)
        sandbox.set_limits(body.get("credits"), body.get("concurrency"))
        return {"credits": body.get("credits"), "concurrency": body.get("concurrency")}

    async def clock(request: Request) -> dict[str, Any]:
        sandbox.advance(float((await _body(request)).get("seconds", 0)))
        return {"now": sandbox.clock.now().isoformat()}

    async def deliveries(request: Request) -> dict[str, Any]:
        return {"deliveries": [asdict(d) for d in sandbox.deliveries]}

    return [
        Route("/info", _guard(info), methods=["GET"]),
        Route("/records/{module}", _guard(records), methods=["GET", "POST"]),
        Route("/records/{module}/{record_id}", _guard(record), methods=["GET", "PATCH", "DELETE"]),
        Route("/tokens/{action}", _guard(tokens), methods=["POST"]),
        Route("/faults", _guard(faults), methods=["POST", "DELETE"]),
        Route("/rules", _guard(rules), methods=["POST", "DELETE"]),
        Route("/calls", _guard(calls), methods=["GET", "DELETE"]),
        Route("/limits", _guard(limits), methods=["POST"]),
        Route("/clock", _guard(clock), methods=["POST"]),
        Route("/deliveries", _guard(deliveries), methods=["GET"]),
    ]
