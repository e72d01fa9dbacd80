"""`/crm/v8/actions/watch`: enable (POST), replace (PUT), update keys (PATCH), list (GET), disable (DELETE).

Shapes follow Zoho's v8 OAS `notifications` examples and the v7 Enable Notifications page
[zoho.md §4]: results in a `watch` array, one entry per submitted channel, each with
`details.events[{channel_expiry, resource_uri, resource_id, resource_name, channel_id}]`;
201 on create, 200 on update/delete, 207 when mixed, 400 when every entry failed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.zoho.clock import parse_offset_datetime
from sandbox.zoho.context import Api, json_body
from sandbox.zoho.errors import ZohoError, error_entry
from sandbox.zoho.values import FieldError
from sandbox.zoho.watch import OPERATIONS, TOKEN_MAX, Subscription, expiry

MAX_ENTRIES = 50
MESSAGES = {
    "POST": "Successfully subscribed for actions-watch of the given module",
    "PUT": "Successfully updated the subscribe details",
    "PATCH": "Successfully updated the subscribe details",
}


def _fail(name: str, path: str, code: str = "INVALID_DATA", **extra: Any) -> FieldError:
    return FieldError(code, {"api_name": name, "json_path": f"{path}.{name}", **extra})


def _channel_id(entry: dict[str, Any], path: str) -> str:
    value = entry.get("channel_id")
    if value is None:
        raise _fail("channel_id", path, "MANDATORY_NOT_FOUND")
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise _fail("channel_id", path, expected_data_type="long")
    return str(value)


def _events(api: Api, entry: dict[str, Any], path: str) -> dict[str, set[str]]:
    events = entry.get("events")
    if not events:
        raise _fail("events", path, "MANDATORY_NOT_FOUND")
    by_module: dict[str, set[str]] = {}
    for n, event in enumerate(events if isinstance(events, list) else [events]):
        module, _, operation = str(event).rpartition(".")
        if api.org.module(module) is None or operation not in OPERATIONS:
            raise FieldError("INVALID_DATA", {"api_name": "events", "json_path": f"{path}.events[{n}]"})
        by_module.setdefault(module, set()).add(operation)
    return by_module


def _options(api: Api, entry: dict[str, Any], path: str, need_url: bool) -> dict[str, Any]:
    """The optional keys present in the entry, validated."""
    options: dict[str, Any] = {}
    url = entry.get("notify_url")
    if url is None and need_url:
        raise _fail("notify_url", path, "MANDATORY_NOT_FOUND")
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 255:
            raise _fail("notify_url", path)
        options["notify_url"] = url
    if "token" in entry:
        token = entry["token"]
        if token is not None and (not isinstance(token, str) or len(token) > TOKEN_MAX):
            raise _fail("token", path, maximum_length=TOKEN_MAX)
        options["token"] = token
    if "channel_expiry" in entry:
        options["expires_at"] = _expiry(api, entry["channel_expiry"], path)
    for key, name in (("return_affected_field_values", "return_values"), ("notify_on_related_action", None)):
        if key in entry:
            if not isinstance(entry[key], bool):
                raise _fail(key, path, expected_data_type="boolean")
            options[name or key] = entry[key]
    return options


def _expiry(api: Api, raw: Any, path: str) -> int:
    now = api.org.clock.epoch()
    try:
        requested = parse_offset_datetime(raw) if raw is not None else None
    except (ValueError, TypeError):
        raise _fail("channel_expiry", path, expected_data_type="datetime") from None
    if requested is not None and requested <= now:
        raise _fail("channel_expiry", path)
    return expiry(requested, now)


def _conditions(entry: dict[str, Any], path: str) -> dict[str, Any]:
    conditions = entry.get("notification_condition")
    if not conditions:
        return {}
    names: set[str] = set()
    operator = "or"
    for condition in conditions:
        selection = condition.get("field_selection") if isinstance(condition, dict) else None
        if not isinstance(selection, dict) or condition.get("type") != "field_selection":
            raise _fail("notification_condition", path)
        operator = selection.get("group_operator", "or")
        names.update(_field_names(selection.get("group") or []))
    return {"condition_fields": frozenset(names), "condition_operator": operator}


def _field_names(group: list[Any]) -> list[str]:
    names: list[str] = []
    for item in group:
        if isinstance(item, dict) and isinstance(item.get("field"), dict):
            names.append(str(item["field"].get("api_name")))
        elif isinstance(item, dict):
            names.extend(_field_names(item.get("group") or []))
    return names


def _event_details(api: Api, sub: Subscription) -> dict[str, Any]:
    module = api.org.modules[sub.module]
    return {
        "channel_expiry": api.org.time.format(sub.expires_at),
        "resource_uri": f"{api.state.base_url}/crm/v8/{sub.module}",
        "resource_id": module.id,
        "resource_name": sub.module,
        "channel_id": sub.channel_id,
    }


def _apply(api: Api, method: str, entry: dict[str, Any], path: str) -> list[Subscription]:
    channel_id = _channel_id(entry, path)
    events = _events(api, entry, path)
    options = _options(api, entry, path, need_url=method != "PATCH")
    options.update(_conditions(entry, path))
    channels = api.state.channels
    now = api.org.clock.epoch()
    existing = channels.of_channel(channel_id, now)
    if method != "POST" and not existing:
        raise _fail("channel_id", path)
    if method == "PUT":
        channels.drop_channel(channel_id)
    done: list[Subscription] = []
    for module, operations in events.items():
        if method == "PATCH":
            current = next((s for s in existing if s.module == module), existing[0])
            sub = replace(current, module=module, operations=frozenset(operations), **options)
        else:
            sub = Subscription(
                channel_id, module, frozenset(operations), **{"expires_at": expiry(None, now), **options}
            )
        channels.put(sub)
        done.append(sub)
    return done


async def change_watch(request: Request, api: Api) -> Response:
    """POST, PUT or PATCH `/actions/watch` with a `watch` array."""
    body = await json_body(request)
    entries = body.get("watch") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ZohoError(400, "MANDATORY_NOT_FOUND", {"api_name": "watch", "json_path": "$.watch"})
    if len(entries) > MAX_ENTRIES:
        raise ZohoError(400, "LIMIT_EXCEEDED", {"api_name": "watch", "limit": MAX_ENTRIES})
    api.charge(1)
    results: list[dict[str, Any]] = []
    for n, entry in enumerate(entries):
        try:
            subs = _apply(api, request.method, entry if isinstance(entry, dict) else {}, f"$.watch[{n}]")
        except FieldError as error:
            results.append(error_entry(error.code, error.details, error.message))
            continue
        details = {"events": [_event_details(api, sub) for sub in subs]}
        results.append(
            {"code": "SUCCESS", "details": details, "message": MESSAGES[request.method], "status": "success"}
        )
    return _multi(results, 201 if request.method == "POST" else 200)


def _multi(results: list[dict[str, Any]], ok: int) -> Response:
    failed = sum(1 for r in results if r["status"] == "error")
    status = ok if failed == 0 else 400 if failed == len(results) else 207
    return JSONResponse({"watch": results}, status_code=status)


async def list_watch(request: Request, api: Api) -> Response:
    """GET `/actions/watch`: the active channels."""
    api.charge(1)
    wanted_channel = request.query_params.get("channel_id")
    wanted_module = request.query_params.get("module")
    subs = [
        s
        for s in api.state.channels.active(api.org.clock.epoch())
        if (wanted_channel is None or s.channel_id == wanted_channel)
        and (wanted_module is None or s.module == wanted_module)
    ]
    if not subs:
        return Response(status_code=204)
    rows = [_listing(api, sub) for sub in subs]
    info = {"per_page": 200, "count": len(rows), "page": 1, "more_records": False}
    return JSONResponse({"watch": rows, "info": info})


def _listing(api: Api, sub: Subscription) -> dict[str, Any]:
    return {
        **_event_details(api, sub),
        "notify_on_related_action": sub.notify_on_related_action,
        "return_affected_field_values": sub.return_values,
        "notify_url": sub.notify_url,
        "events": sub.events(),
        "token": sub.token,
        "notification_condition": None,
    }


async def delete_watch(request: Request, api: Api) -> Response:
    """DELETE `/actions/watch?channel_ids=...`: stop channels."""
    raw = request.query_params.get("channel_ids")
    if not raw:
        raise ZohoError(400, "REQUIRED_PARAM_MISSING", {"param_name": "channel_ids"})
    api.charge(1)
    results: list[dict[str, Any]] = []
    for channel_id in [c.strip() for c in raw.split(",") if c.strip()]:
        gone = api.state.channels.drop_channel(channel_id)
        if not gone:
            results.append(error_entry("INVALID_DATA", {"api_name": "channel_ids", "channel_id": channel_id}))
        for sub in gone:
            details = {k: v for k, v in _event_details(api, sub).items() if k in ("resource_uri", "resource_id")}
            entry = {"code": "SUCCESS", "details": {**details, "channel_id": sub.channel_id}}
            results.append({**entry, "message": "Successfully un-subscribed from actions-watch", "status": "success"})
    return _multi(results, 200)
