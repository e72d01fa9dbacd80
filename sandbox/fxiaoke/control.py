"""The sandbox's control over HTTP under `/__sandbox__/`, for tests and demos in other processes.

Not part of Fxiaoke: these calls are neither counted nor faulted nor rate limited. Plain JSON and
plain status codes (404 unknown record, 400 bad request).

    GET    /__sandbox__/info                        credentials, ids, generated names
    POST   /__sandbox__/tokens/expire
    GET    /__sandbox__/ids/{object}
    GET    /__sandbox__/records/{object}/{id}
    POST   /__sandbox__/records/{object}            {"values": {...}}  → {"id"}
    PATCH  /__sandbox__/records/{object}/{id}       {"values": {...}}  (a user edit)
    DELETE /__sandbox__/records/{object}/{id}[?hard=true]
    POST   /__sandbox__/fields/{object}             {"label", "type", "options"?, "max_length"?} → {"api_name"}
    POST   /__sandbox__/objects                     {"label"} → {"api_name"} (a custom object)
    POST   /__sandbox__/approvals/{object}/{id}     {"approve": true|false}
    POST   /__sandbox__/rejections/{object}/{id}    {"message"} (the next API update of it is refused)
    GET|DELETE /__sandbox__/calls
    POST|DELETE /__sandbox__/faults                 {"status", "code"?, "times"?, "path"?, "delay_s"?}
    POST   /__sandbox__/latency                     {"seconds"}
    POST   /__sandbox__/limits/reset
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.fxiaoke.envelope import FxError

if TYPE_CHECKING:
    from sandbox.fxiaoke.sandbox import FxiaokeSandbox

CONTROL_PREFIX = "/__sandbox__"
Endpoint = Callable[[Request], Awaitable[Response]]
Body = dict[str, Any]


def _guarded(action: Callable[[Request, dict[str, Any]], Any]) -> Endpoint:
    """Run an action with the JSON body; map failures to 400/404."""

    async def endpoint(request: Request) -> Response:
        """The Starlette endpoint around the action."""
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
            result = action(request, body)
        except KeyError as error:
            return JSONResponse({"error": f"not found: {error}"}, 404)
        except (ValueError, TypeError, FxError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


class ControlApi:
    """The control endpoints bound to one sandbox."""

    def __init__(self, fx: FxiaokeSandbox) -> None:
        self.fx = fx

    def routes(self) -> list[Route]:
        """Starlette routes, mounted under CONTROL_PREFIX."""
        fx = self.fx
        return [
            Route("/info", _guarded(self.info), methods=["GET"]),
            Route("/tokens/expire", _guarded(_simple(fx.expire_tokens)), methods=["POST"]),
            Route("/limits/reset", _guarded(_simple(fx.reset_limits)), methods=["POST"]),
            Route("/ids/{object}", _guarded(lambda r, _: fx.ids(r.path_params["object"])), methods=["GET"]),
            Route("/records/{object}", _guarded(self.create), methods=["POST"]),
            Route("/records/{object}/{id}", _guarded(self.record), methods=["GET"]),
            Route("/records/{object}/{id}", _guarded(self.edit), methods=["PATCH", "DELETE"]),
            Route("/fields/{object}", _guarded(self.field), methods=["POST"]),
            Route(
                "/objects",
                _guarded(lambda _, body: {"api_name": fx.create_custom_object(body["label"])}),
                methods=["POST"],
            ),
            Route("/approvals/{object}/{id}", _guarded(self.approval), methods=["POST"]),
            Route("/rejections/{object}/{id}", _guarded(self.rejection), methods=["POST"]),
            Route("/calls", _guarded(self.calls), methods=["GET", "DELETE"]),
            Route("/faults", _guarded(self.faults), methods=["POST", "DELETE"]),
            Route("/latency", _guarded(self.latency), methods=["POST"]),
        ]

    def info(self, _: Request, __: Body) -> dict[str, Any]:
        """What another process needs to configure a client and a mapping."""
        fx = self.fx
        return {
            "url": fx.url,
            "ca_pem": str(fx.ca_pem),
            "app_id": fx.app_id,
            "app_secret": fx.app_secret,
            "permanent_code": fx.permanent_code,
            "corp_id": fx.credentials.corp_id,
            "ea": fx.credentials.ea,
            "user_id": fx.user_id,
            "open_user_id": fx.open_user_id,
            "as_of": fx.as_of.isoformat(),
            "custom_fields": fx.custom_field_names(),
            "credit_note_record_type": fx.credit_note_record_type,
            "credit_file_object": fx.credit_file_object,
            "quota_used": fx.quota.used,
        }

    def record(self, request: Request, _: Body) -> Any:
        """One stored record (404 when it does not exist)."""
        found = self.fx.get_record(request.path_params["object"], request.path_params["id"])
        if found is None:
            raise KeyError(request.path_params["id"])
        return found

    def create(self, request: Request, body: Body) -> dict[str, str]:
        """A user creates a record."""
        return {"id": self.fx.create_record(request.path_params["object"], body.get("values", {}))}

    def edit(self, request: Request, body: Body) -> dict[str, bool]:
        """A user edits (PATCH) or invalidates/deletes (DELETE) a record."""
        p = request.path_params
        if request.method == "DELETE":
            self.fx.delete_record(p["object"], p["id"], hard=request.query_params.get("hard") == "true")
        else:
            self.fx.update_record(p["object"], p["id"], body.get("values", {}))
        return {"ok": True}

    def field(self, request: Request, body: Body) -> dict[str, str]:
        """The admin creates a custom field."""
        options = tuple(body.get("options", ()))
        api_name = self.fx.create_custom_field(
            request.path_params["object"], body["label"], body.get("type", "text"), options, body.get("max_length")
        )
        return {"api_name": api_name}

    def approval(self, request: Request, body: Body) -> dict[str, bool]:
        """An approver decides a held edit."""
        p = request.path_params
        self.fx.decide_approval(p["object"], p["id"], body.get("approve", True))
        return {"ok": True}

    def rejection(self, request: Request, body: Body) -> dict[str, bool]:
        """A validation rule will refuse the next API update of a record."""
        p = request.path_params
        self.fx.reject_next_write(p["object"], p["id"], str(body["message"]))
        return {"ok": True}

    def calls(self, request: Request, _: Body) -> Any:
        """The call log (GET) or a fresh one (DELETE)."""
        if request.method == "DELETE":
            self.fx.calls.clear()
            return {"ok": True}
        return [{"method": c.method, "path": c.path, "status": c.status} for c in self.fx.calls.calls]

    def faults(self, request: Request, body: Body) -> dict[str, bool]:
        """Queue a fault (POST) or drop them all (DELETE)."""
        if request.method == "DELETE":
            self.fx.faults.clear()
            return {"ok": True}
        fault = Fault(
            status=int(body.get("status", 200)),
            times=int(body.get("times", 1)),
            path=body.get("path", ""),
            code=str(body.get("code", "")),
            delay_s=float(body.get("delay_s", 0.0)),
        )
        self.fx.faults.add(fault)
        return {"ok": True}

    def latency(self, _: Request, body: Body) -> dict[str, bool]:
        """Latency added to every API call."""
        self.fx.faults.latency_s = float(body["seconds"])
        return {"ok": True}


def _simple(action: Callable[[], object]) -> Callable[[Request, Body], dict[str, bool]]:
    def run(_: Request, __: Body) -> dict[str, bool]:
        """Run the action and answer ok."""
        action()
        return {"ok": True}

    return run
