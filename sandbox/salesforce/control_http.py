"""The control API over HTTP, under /__sandbox__ (never counted as API calls, never faulted), so a
separate process — the demo, a benchmark — can drive a running sandbox.

Values travel as REST JSON does (ISO dates, numbers); conditions of validation rules and outbound
criteria are simple comparisons: {"field": "Credit_Limit__c", "op": ">=", "value": 1000000}.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.faults import Fault
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.outbound import Backoff
from sandbox.salesforce.wire import dumps, full_shape

if TYPE_CHECKING:
    from sandbox.salesforce.sandbox import SalesforceSandbox

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def condition_of(spec: object) -> Callable[[dict[str, object]], bool]:
    """A record test from {"field", "op", "value"}; a null field never matches an ordering comparison."""
    if not isinstance(spec, dict) or spec.get("op") not in _OPS or not spec.get("field"):
        raise ValueError('a condition is {"field": NAME, "op": "=|!=|<|<=|>|>=", "value": V}')
    compare, name, wanted = _OPS[spec["op"]], str(spec["field"]), spec.get("value")

    def test(record: dict[str, object]) -> bool:
        value = record.get(name)
        if isinstance(value, Decimal) and isinstance(wanted, int | float | str):
            return compare(value, Decimal(str(wanted)))
        if isinstance(value, datetime) and isinstance(wanted, str):
            return compare(value, datetime.fromisoformat(wanted.replace("Z", "+00:00")))
        if isinstance(value, date) and isinstance(wanted, str):
            return compare(value, date.fromisoformat(wanted))
        if value is None or wanted is None:
            return compare(value, wanted) if spec["op"] in ("=", "!=") else False
        return compare(value, type(value)(wanted)) if not isinstance(value, bool) else compare(value, wanted)  # type: ignore[call-arg]

    return test


def _wire_record(sandbox: SalesforceSandbox, sobject: str, record_id: str) -> object:
    """A record with every field (hidden ones too) in REST JSON formats, or None."""
    with sandbox.org.lock:
        table = sandbox.org.table(sobject)
        index = table.index_of(record_id) if table is not None else None
        if table is None or index is None:
            return None
        row = table.rows[index]
        assert row is not None
        fields = [f for f in table.sobject.fields if table.sobject.by_name.get(f.name.lower()) is f]
        return json.loads(dumps(full_shape(table, fields).render(row, "62.0")))


def _reply(value: object, status: int = 200) -> Response:
    return Response(json.dumps(value, default=str), status, media_type="application/json")


def control_routes(sandbox: SalesforceSandbox) -> list[BaseRoute]:
    """Routes mounted at /__sandbox__."""

    def endpoint(handler: Callable[[Request, dict[str, object]], object]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else {}
                return _reply(handler(request, body if isinstance(body, dict) else {"items": body}))
            except RecordError as refused:
                return _reply([{"errorCode": refused.code, "message": refused.message, "fields": refused.fields}], 400)
            except (KeyError, ValueError, TypeError) as bad:
                return _reply({"error": str(bad)}, 400)

        return run

    def info(request: Request, body: dict[str, object]) -> object:
        creds = sandbox.credentials
        used, limit = sandbox.api_usage
        return {
            "url": sandbox.url,
            "org_id": sandbox.org_id,
            "ca_pem": str(sandbox.ca_pem),
            "username": creds.username,
            "password": creds.password,
            "security_token": creds.security_token,
            "consumer_key": creds.consumer_key,
            "consumer_secret": creds.consumer_secret,
            "api": {"used": used, "limit": limit},
            "accounts": sandbox.portfolio.n,
        }

    def record(request: Request, body: dict[str, object]) -> object:
        sobject, record_id = request.path_params["sobject"], request.path_params.get("record_id")
        if request.method == "POST":
            return {"id": sandbox.create_record(sobject, body)}
        assert record_id is not None
        if request.method == "PATCH":
            sandbox.update_record(sobject, record_id, body)
        elif request.method == "DELETE":
            (sandbox.hard_delete if request.query_params.get("hard") == "true" else sandbox.delete_record)(
                sobject, record_id
            )
        return _wire_record(sandbox, sobject, record_id)

    def faults(request: Request, body: dict[str, object]) -> object:
        if request.method == "DELETE":
            sandbox.faults.clear()
        else:
            sandbox.faults.add(Fault(**body))  # type: ignore[arg-type]
        return {"ok": True}

    def latency(request: Request, body: dict[str, object]) -> object:
        sandbox.faults.latency_s = float(str(body["seconds"]))
        return {"ok": True}

    def calls(request: Request, body: dict[str, object]) -> object:
        if request.method == "DELETE":
            sandbox.calls.clear()
            return {"ok": True}
        path, method = request.query_params.get("path", ""), request.query_params.get("method")
        listed = [asdict(c) for c in sandbox.calls.calls if path in c.path and method in (None, c.method)]
        return {"count": len(listed), "calls": listed}

    def api_limit(request: Request, body: dict[str, object]) -> object:
        used = body.get("used")
        sandbox.set_api_limit(int(str(body["limit"])), None if used is None else int(str(used)))
        return {"used": sandbox.api_usage[0], "limit": sandbox.api_usage[1]}

    def outbound_rule(request: Request, body: dict[str, object]) -> object:
        criteria = condition_of(body["criteria"]) if body.get("criteria") else None
        action = sandbox.add_outbound_rule(
            str(body["sobject"]),
            [str(f) for f in cast(list[object], body["fields"])],
            str(body["endpoint_url"]),
            criteria,
            str(body.get("evaluation", "created_and_every_edit")),
            bool(body.get("send_session_id", False)),
            cast(str | bool, body.get("verify", True)),
            str(body.get("name", "Outbound Message")),
        )
        return {"action_id": action}

    def outbound_settings(request: Request, body: dict[str, object]) -> object:
        sandbox.outbound.backoff = Backoff(**{k: float(str(v)) for k, v in body.items()})
        return asdict(sandbox.outbound.backoff)

    def validation_rule(request: Request, body: dict[str, object]) -> object:
        if request.method == "DELETE":
            sandbox.clear_validation_rules()
        else:
            sandbox.add_validation_rule(
                str(body["sobject"]),
                str(body.get("name", "Rule")),
                condition_of(body),
                str(body["message"]),
                str(body["error_field"]) if body.get("error_field") else None,
            )
        return {"ok": True}

    def rejection(request: Request, body: dict[str, object]) -> object:
        sandbox.reject_next_write(**body)  # type: ignore[arg-type]
        return {"ok": True}

    def credentials(request: Request, body: dict[str, object]) -> object:
        if "jwt_certificate_pem" in body:
            body["jwt_certificate_pem"] = str(body["jwt_certificate_pem"]).encode()
        if "refresh_tokens" in body:
            body["refresh_tokens"] = set(body["refresh_tokens"])  # type: ignore[call-overload]
        sandbox.set_credentials(**body)
        return {"ok": True}

    routes = {
        "/info": (info, ["GET"]),
        "/sessions/expire": (lambda r, b: {"expired": sandbox.expire_sessions()}, ["POST"]),
        "/sessions": (lambda r, b: {"session_id": sandbox.issue_session()}, ["POST"]),
        "/records/{sobject}": (record, ["POST"]),
        "/records/{sobject}/{record_id}": (record, ["GET", "PATCH", "DELETE"]),
        "/ids/{sobject}": (
            lambda r, b: sandbox.ids(r.path_params["sobject"], r.query_params.get("include_deleted") == "true"),
            ["GET"],
        ),
        "/query": (lambda r, b: sandbox.query(str(b["q"]), bool(b.get("include_deleted"))), ["POST"]),
        "/faults": (faults, ["POST", "DELETE"]),
        "/latency": (latency, ["POST"]),
        "/calls": (calls, ["GET", "DELETE"]),
        "/api-limit": (api_limit, ["POST"]),
        "/outbound-rules": (outbound_rule, ["POST"]),
        "/outbound-settings": (outbound_settings, ["POST"]),
        "/outbound/deliveries": (lambda r, b: [asdict(d) for d in sandbox.outbound_deliveries], ["GET"]),
        "/validation-rules": (validation_rule, ["POST", "DELETE"]),
        "/rejections": (rejection, ["POST"]),
        "/credentials": (credentials, ["POST"]),
        "/fields": (
            lambda r, b: {
                "id": sandbox.create_field(
                    str(b["full_name"]),
                    b["metadata"],  # type: ignore[arg-type]
                    bool(b.get("grant", True)),
                )
            },
            ["POST"],
        ),
    }
    return [Route(path, endpoint(handler), methods=methods) for path, (handler, methods) in routes.items()]
