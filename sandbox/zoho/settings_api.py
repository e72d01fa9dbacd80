"""`/crm/v8/settings/fields` (read and create), `/crm/v8/users` and `/crm/v8/org`.

Field creation [zoho.md §3; OAS `createFields`]: `POST /settings/fields?module=` with
`{"fields": [{field_label, data_type, length, ...}]}`, at most 5 per call; the answer is
`{"fields": [{code: SUCCESS, details: {id}, message: "field created", status}]}` — 201 when all
were created, 207 when mixed, 400 when none — and only the id comes back.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.zoho.context import Api, int_param, json_body
from sandbox.zoho.errors import ZohoError, error_entry
from sandbox.zoho.fieldmeta import FieldInputError, field_json, generate_api_name, parse_new_field
from sandbox.zoho.ids import make_id, parse_id
from sandbox.zoho.org import User
from sandbox.zoho.schema import ModuleDef

MAX_NEW_FIELDS = 5
LAYOUT_ID = str(make_id("misc", 1))


def _module_param(api: Api, request: Request) -> ModuleDef:
    name = request.query_params.get("module")
    if not name:
        raise ZohoError(400, "REQUIRED_PARAM_MISSING", {"param_name": "module"})
    module = api.org.module(name)
    if module is None:
        raise ZohoError(400, "INVALID_MODULE", {"param_name": "module"}, "the given module is not supported in api")
    return module


async def get_fields(request: Request, api: Api) -> Response:
    """Every field of a module, with types, lengths, picklists and lookups."""
    module = _module_param(api, request)
    api.charge(1)
    with api.org.lock:
        fields = [field_json(module, definition, LAYOUT_ID) for definition in module.fields.values()]
    return JSONResponse({"fields": fields})


async def create_fields(request: Request, api: Api) -> Response:
    """Create custom fields; each gets a generated API name, readable from metadata afterwards."""
    module = _module_param(api, request)
    body = await json_body(request)
    specs = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(specs, list) or not specs:
        raise ZohoError(400, "MANDATORY_NOT_FOUND", {"api_name": "fields", "json_path": "$.fields"})
    if len(specs) > MAX_NEW_FIELDS:
        raise ZohoError(400, "LIMIT_EXCEEDED", {"limit": MAX_NEW_FIELDS, "api_name": "fields"}, wrap="fields")
    api.charge(1)
    results: list[dict[str, Any]] = []
    with api.org.lock:
        for n, spec in enumerate(specs):
            try:
                definition = parse_new_field(module, spec, f"$.fields[{n}]")
            except FieldInputError as error:
                results.append(error_entry(error.code, error.details, error.message))
                continue
            definition.api_name = generate_api_name(definition.label, set(module.fields))
            definition.id = str(api.org.ids.allocate("fields"))
            module.add(definition)
            results.append(
                {"code": "SUCCESS", "details": {"id": definition.id}, "message": "field created", "status": "success"}
            )
    failed = sum(1 for r in results if r["status"] == "error")
    status = 201 if failed == 0 else 400 if failed == len(results) else 207
    return JSONResponse({"fields": results}, status_code=status)


def user_json(api: Api, user: User) -> dict[str, Any]:
    """A user as `GET /users` shows one."""
    return {
        "id": str(user.id),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "email": user.email,
        "status": "active",
        "confirm": True,
        "role": {"name": user.role, "id": str(make_id("misc", 10))},
        "profile": {"name": user.profile, "id": str(make_id("profiles", 1 if user.profile == "Administrator" else 2))},
        "time_zone": api.org.time.zone_name,
        "locale": "en_US",
    }


async def list_users(request: Request, api: Api) -> Response:
    """`GET /users?type=AllUsers|ActiveUsers|CurrentUser`."""
    kind = request.query_params.get("type", "AllUsers")
    if kind not in ("AllUsers", "ActiveUsers", "CurrentUser", "AdminUsers"):
        raise ZohoError(400, "INVALID_DATA", {"param_name": "type"})
    per_page = int_param(request, "per_page", 200, 1, 200)
    page = int_param(request, "page", 1, 1, None)
    api.charge(1)
    users = list(api.org.users.values())
    if kind == "CurrentUser":
        users = [u for u in users if u.id == api.user_id]
    elif kind == "AdminUsers":
        users = [u for u in users if u.profile == "Administrator"]
    chunk = users[(page - 1) * per_page : page * per_page]
    if not chunk:
        return Response(status_code=204)
    info = {"per_page": per_page, "count": len(chunk), "page": page, "more_records": len(users) > page * per_page}
    return JSONResponse({"users": [user_json(api, u) for u in chunk], "info": info})


async def get_user(request: Request, api: Api) -> Response:
    """`GET /users/{id}`."""
    user_id = parse_id(request.path_params["user_id"])
    api.charge(1)
    user = api.org.user(user_id) if user_id is not None else None
    if user is None:
        raise ZohoError(400, "INVALID_DATA", {"resource_path_index": 1}, "the id given seems to be invalid")
    return JSONResponse({"users": [user_json(api, user)]})


async def get_org(request: Request, api: Api) -> Response:
    """`GET /org`: the org's id, time zone and home currency."""
    api.charge(1)
    org = {
        "id": str(make_id("misc", 0)),
        "company_name": "crm-credit Sandbox Org",
        "time_zone": api.org.time.zone_name,
        "currency": "US Dollar",
        "iso_code": "USD",
        "currency_symbol": "$",
        "primary_email": "admin@sandbox.example",
        "mc_status": len(api.org.currencies) > 1,
    }
    return JSONResponse({"org": [org]})
