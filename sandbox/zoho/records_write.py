"""`PUT /crm/v8/{module}` (update ≤ 100), `PUT /crm/v8/{module}/{id}` and `POST /crm/v8/{module}` (insert).

Per-record results sit in `data[]` in request order as `{code, details, message, status}`; HTTP
200 (insert: 201) when all succeed, 207 when mixed, 400 when every record failed; more than 100
records is a single `LIMIT_EXCEEDED` entry with HTTP 400 [zoho.md §2.5; OAS `updateRecords`].
Ids may come as strings or JSON numbers. Successful records are written in one step, so they
share one `Modified_Time` and one notification.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.zoho.context import Api, json_body
from sandbox.zoho.errors import ZohoError, error_entry
from sandbox.zoho.ids import parse_id
from sandbox.zoho.limits import write_credits
from sandbox.zoho.schema import ModuleDef
from sandbox.zoho.table import Row
from sandbox.zoho.values import FieldError, require_mandatory, validate_record

MAX_RECORDS = 100


async def _records(request: Request) -> list[Any]:
    body = await json_body(request)
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data:
        raise ZohoError(400, "MANDATORY_NOT_FOUND", {"api_name": "data", "json_path": "$.data"})
    if len(data) > MAX_RECORDS:
        details = {"maximum_length": MAX_RECORDS, "api_name": "data"}
        raise ZohoError(400, "LIMIT_EXCEEDED", details, "count of records in your request exceeds the limit", "data")
    return data


def _update_one(api: Api, module: ModuleDef, record: Any, path: str) -> tuple[int, Row]:
    if not isinstance(record, dict):
        raise FieldError("INVALID_DATA", {"json_path": path}, "the json given seems to be invalid")
    if record.get("id") is None:
        raise FieldError(
            "MANDATORY_NOT_FOUND", {"api_name": "id", "json_path": f"{path}.id"}, "required field not found"
        )
    row_id = parse_id(record["id"])
    if row_id is None or api.org.tables[module.api_name].get(row_id) is None:
        raise FieldError("INVALID_DATA", {"id": str(record["id"])}, "the id given seems to be invalid")
    values = validate_record(api.org, module, record, path)
    api.state.rules.check(module.api_name, row_id, values, path)
    return row_id, values


def _success(api: Api, module: str, row: Row, message: str) -> dict[str, Any]:
    details = {
        "Modified_Time": api.org.time.format(row["Modified_Time"]),
        "Modified_By": _who(api, row["Modified_By"]),
        "Created_Time": api.org.time.format(row["Created_Time"]),
        "id": str(row["id"]),
        "Created_By": _who(api, row["Created_By"]),
        "$approval_state": "approved",
    }
    return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}


def _who(api: Api, user_id: int) -> dict[str, str] | None:
    user = api.org.user(user_id)
    return {"name": user.full_name, "id": str(user.id)} if user else None


def _respond(results: list[dict[str, Any]], ok_status: int) -> Response:
    failed = sum(1 for result in results if result["status"] == "error")
    status = ok_status if failed == 0 else 400 if failed == len(results) else 207
    return JSONResponse({"data": results}, status_code=status)


async def update_records(request: Request, api: Api) -> Response:
    """Update up to 100 records; each gets its own result."""
    module = api.module(request.path_params["module"])
    records = await _records(request)
    path_id = request.path_params.get("record_id")
    if path_id is not None:
        records = [{**records[0], "id": path_id}] if isinstance(records[0], dict) else records
    api.charge(write_credits(len(records)))
    outcomes: list[tuple[int, Row] | FieldError] = []
    with api.org.lock:
        for n, record in enumerate(records):
            try:
                outcomes.append(_update_one(api, module, record, f"$.data[{n}]"))
            except FieldError as error:
                outcomes.append(error)
        good = [o for o in outcomes if not isinstance(o, FieldError)]
        written = {row["id"]: row for row in api.org.update_many(module.api_name, good, api.user_id)}
    results = [
        error_entry(o.code, o.details, o.message)
        if isinstance(o, FieldError)
        else _success(api, module.api_name, written[o[0]], "record updated")
        for o in outcomes
    ]
    return _respond(results, 200)


def _require_se_module(module: ModuleDef, record: dict[str, Any], path: str) -> None:
    """A Task's `What_Id` may point at several modules: Zoho needs `$se_module` to know which one."""
    if record.get("What_Id") is None or "What_Id" not in module.fields:
        return
    named = record.get("$se_module")
    if named is None:
        details = {"api_name": "$se_module", "json_path": f"{path}.$se_module"}
        raise FieldError("MANDATORY_NOT_FOUND", details, "required field not found")
    if named != module.fields["What_Id"].lookup:
        details = {"api_name": "$se_module", "json_path": f"{path}.$se_module"}
        raise FieldError("INVALID_DATA", details, "invalid data")


async def insert_records(request: Request, api: Api) -> Response:
    """Insert up to 100 records (crm-credit creates Tasks for collection alerts)."""
    module = api.module(request.path_params["module"])
    records = await _records(request)
    api.charge(write_credits(len(records)))
    results: list[dict[str, Any]] = []
    for n, record in enumerate(records):
        path = f"$.data[{n}]"
        try:
            if not isinstance(record, dict):
                raise FieldError("INVALID_DATA", {"json_path": path}, "the json given seems to be invalid")
            _require_se_module(module, record, path)
            values = validate_record(api.org, module, record, path)
            require_mandatory(module, values, path)
            api.state.rules.check(module.api_name, None, values, path)
        except FieldError as error:
            results.append(error_entry(error.code, error.details, error.message))
            continue
        row_id = api.org.create(module.api_name, values, api.user_id)
        row = api.org.tables[module.api_name].rows[row_id]
        results.append(_success(api, module.api_name, row, "record added"))
    return _respond(results, 201)
