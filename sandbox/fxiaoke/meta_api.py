"""Metadata and directory calls: `object/list`, `object/describe`, `/cgi/user/list`.

Shapes follow the documented examples (reference fxiaoke.md §2 "Metadata", §1 "Acting user"):
list → `data.objects[]{describeApiName, describeDisplayName, defineType, isActive, …}`;
describe (`data.apiName`, `includeDetail` top level) → `data.describe{api_name, fields{…}}`;
user list (parameters flat at top level, no `data`) → top-level `userList[]`.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from sandbox.fxiaoke.data_api import Call
from sandbox.fxiaoke.envelope import PARAMETER_ERROR, FxError, ok
from sandbox.fxiaoke.people import ROOT_DEPARTMENT


def object_list(call: Call) -> JSONResponse:
    """Every object of the tenant, preset and custom."""
    objects = [
        {
            "describeApiName": o.api_name,
            "describeDisplayName": o.display_name,
            "defineType": o.define_type,
            "isActive": True,
            "iconPath": "",
            "iconIndex": 0,
            "hideButton": False,
            "publicObject": False,
        }
        for o in call.tenant.schema.objects.values()
    ]
    return ok(data={"objects": objects})


def describe(call: Call) -> JSONResponse:
    """One object's fields, including every custom field the admin has created."""
    data = call.body.get("data")
    # Documented in `data.apiName`; the Go SDK sends it top level and the gateway evidently takes that too.
    api_name = data.get("apiName") if isinstance(data, dict) else call.body.get("apiName")
    if api_name is None:
        raise FxError(PARAMETER_ERROR, "缺少参数apiName")
    definition = call.tenant.definition(api_name)
    fields = {name: f.describe() for name, f in definition.fields.items()}
    describe_map = {
        "api_name": definition.api_name,
        "display_name": definition.display_name,
        "define_type": definition.define_type,
        "is_active": True,
        "fields": fields,
    }
    return ok(data={"describe": describe_map})


def user_list(call: Call) -> JSONResponse:
    """Employees of a department (999999 is the whole company)."""
    department = call.body.get("departmentId")
    if isinstance(department, bool) or not isinstance(department, int) or department < 0:
        raise FxError(11009, "参数departmentId不合法")
    if str(department) != ROOT_DEPARTMENT:
        raise FxError(30007, "部门不存在")
    people = call.tenant.people
    users = [
        {
            "openUserId": e.open_user_id if call.caller.open_ids else e.employee_id,
            "account": e.employee_id,
            "name": e.name,
            "nickName": e.name,
            "isStop": False,
            "mobile": e.mobile,
            "position": "销售",
            "departmentIds": [int(ROOT_DEPARTMENT)],
            "employeeNumber": e.employee_id,
        }
        for e in people.employees
    ]
    return ok(userList=users)
