"""The data calls: `/cgi/crm/v2/data/*` for preset objects and `/cgi/crm/custom/v2/data/*` for `…__c`.

Bodies and answers follow the documented examples (reference fxiaoke.md §2): query answers
`data.dataList/offset/limit/total` (the deep-paging page's real output, not the single-map
example some object pages show); get answers the record map in `data`; preset create answers
`dataId` while the custom-object page's example answers none; update takes one record per call in
`data.object_data` with top-level `triggerApprovalFlow` / `triggerWorkFlow`, both true by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from sandbox.fxiaoke.auth import Caller
from sandbox.fxiaoke.envelope import PARAMETER_ERROR, FxError, ok
from sandbox.fxiaoke.present import View, present
from sandbox.fxiaoke.query import parse, run
from sandbox.fxiaoke.schema import BOOLEAN, EMPLOYEE, FieldDef, ObjectDef
from sandbox.fxiaoke.tenant import Tenant


@dataclass(frozen=True)
class Call:
    """One authenticated business call."""

    tenant: Tenant
    caller: Caller
    body: dict[str, Any]
    custom_path: bool | None  # None: the path serves preset and custom objects alike

    @property
    def data(self) -> dict[str, Any]:
        """The body's `data` object, which every data call requires."""
        data = self.body.get("data")
        if not isinstance(data, dict):
            raise FxError(PARAMETER_ERROR, "缺少参数data")
        return data

    def flag(self, name: str) -> bool:
        """A top-level boolean switch that defaults to true (triggerApprovalFlow, triggerWorkFlow)."""
        return self.body.get(name) is not False

    def view(self) -> View:
        """How this caller sees records (id form, includeNull)."""
        include_null = self.body.get("includeNull") is True
        return View(self.tenant.people, self.caller.open_ids, include_null, self.tenant.name_of)

    def object(self, api_name: object) -> ObjectDef:
        """The object named in the call, on the path family that serves it."""
        definition = self.tenant.definition(api_name)
        if self.custom_path is True and not definition.custom:
            raise FxError(PARAMETER_ERROR, "本接口只适用于自定义对象（ApiName以__c结尾）")
        if self.custom_path is False and definition.custom:
            raise FxError(PARAMETER_ERROR, "自定义对象请使用 /cgi/crm/custom/v2/data 接口")
        return definition

    def to_stored(self, field: FieldDef, value: Any) -> Any:
        """A filter value in stored form: employee ids mapped, boolean words parsed."""
        if field.type == EMPLOYEE and isinstance(value, str):
            return self.tenant.people.from_wire(value, self.caller.open_ids)
        if field.type == BOOLEAN and isinstance(value, str):
            return {"true": True, "false": False}.get(value.lower(), value)
        return value


def query(call: Call, simple: bool = False) -> JSONResponse:
    """`data/query` (and `findSimple`, whose projection sits in `data.field_projection`)."""
    data = call.data
    definition = call.object(data.get("dataObjectApiName"))
    projection = data.get("field_projection") if simple else None
    search = parse(data.get("search_query_info"), definition, call.to_stored, projection)
    view = call.view()
    with call.tenant.store.lock:
        page, total = run(search, call.tenant.store.snapshot(definition.api_name))
        rows = [present(r, definition, view, search.projection) for r in page]
    # The total is on by default (find_explicit_total_num defaults to true on the account page).
    want_total = data.get("find_explicit_total_num") not in (False, "false")
    return ok(
        data={"dataList": rows, "offset": search.offset, "limit": search.limit, "total": total if want_total else 0}
    )


def get(call: Call) -> JSONResponse:
    """`data/get`: one record by `objectDataId`."""
    data = call.data
    definition = call.object(data.get("dataObjectApiName"))
    object_id = data.get("objectDataId")
    if not isinstance(object_id, str) or not object_id:
        raise FxError(PARAMETER_ERROR, "缺少参数objectDataId")
    with call.tenant.store.lock:
        record = present(call.tenant.record(definition.api_name, object_id), definition, call.view())
    return ok(data=record)


def _object_data(call: Call) -> tuple[ObjectDef, dict[str, Any]]:
    object_data = call.data.get("object_data")
    if not isinstance(object_data, dict):
        raise FxError(PARAMETER_ERROR, "缺少参数object_data")
    return call.object(object_data.get("dataObjectApiName")), object_data


def update(call: Call) -> JSONResponse:
    """`data/update`: change one record; held for approval unless `triggerApprovalFlow` is false."""
    definition, object_data = _object_data(call)
    object_id = object_data.get("_id")
    if not isinstance(object_id, str) or not object_id:
        raise FxError(PARAMETER_ERROR, "缺少参数_id")
    refusal = call.tenant.rejections.pop((definition.api_name, object_id), None)
    if refusal is not None:
        raise FxError(PARAMETER_ERROR, refusal)  # a tenant validation rule (验证规则) refused the save
    values = call.tenant.validate(definition, object_data, creating=False)
    force = bool(call.custom_path and call.data.get("skipDataStatusValidate") is True)
    call.tenant.update(
        definition.api_name,
        object_id,
        values,
        call.caller.employee_id,
        approval=call.flag("triggerApprovalFlow"),
        force=force,
    )
    if call.flag("triggerWorkFlow"):
        call.tenant.workflow_log.append((definition.api_name, object_id, "update"))
    return ok()


def create(call: Call) -> JSONResponse:
    """`data/create`: one new record; preset objects answer its `dataId`."""
    definition, object_data = _object_data(call)
    people = {
        name: _employees(call, value)
        for name, value in object_data.items()
        if value is not None and name in definition.fields and definition.fields[name].type == EMPLOYEE
    }
    others = {k: v for k, v in object_data.items() if k not in people and k != "owner"}
    values = {**call.tenant.validate(definition, others, creating=True), **people}
    record = call.tenant.create(definition.api_name, values, call.caller.employee_id)
    if call.flag("triggerWorkFlow"):
        call.tenant.workflow_log.append((definition.api_name, record["_id"], "create"))
    return ok() if definition.custom else ok(dataId=record["_id"])


def _employees(call: Call, value: object) -> list[str]:
    # An employee named in the record's data (负责人, 参与人) is checked like any other field value: a
    # parameter error (32000) for that record. 30027 stays the gateway's answer for an unknown acting
    # user (x-fs-userid / currentOpenUserId); the code a real tenant gives for a bad field value is UNVERIFIED.
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise FxError(PARAMETER_ERROR, "员工字段必须是员工ID列表")
    stored = [call.tenant.people.from_wire(v, call.caller.open_ids) for v in value]
    unknown = [v for v, s in zip(value, stored, strict=True) if call.tenant.people.by_employee_id(s) is None]
    if unknown:
        raise FxError(PARAMETER_ERROR, f"员工[{', '.join(unknown)}]不存在")
    return stored


def invalid(call: Call) -> JSONResponse:
    """`data/invalid` (作废): one record by `object_data_id`; it stays readable as life_status invalid."""
    data = call.data
    definition = call.object(data.get("dataObjectApiName"))
    object_id = data.get("object_data_id")
    if not isinstance(object_id, str) or not object_id:
        raise FxError(PARAMETER_ERROR, "缺少参数object_data_id")
    _set_status(call, definition, [object_id], "invalid")
    return ok()


def invalid_many(call: Call) -> JSONResponse:
    """`/cgi/crm/custom/data/invalid` (no v2): batch invalid by `idList`."""
    definition = call.object(call.data.get("dataObjectApiName"))
    _set_status(call, definition, _id_list(call), "invalid")
    return ok()


def recover(call: Call) -> JSONResponse:
    """`data/recover`: bring invalid records back to normal."""
    definition = call.object(call.data.get("dataObjectApiName"))
    _set_status(call, definition, _id_list(call), "normal")
    return ok()


def delete(call: Call) -> JSONResponse:
    """`data/delete`: remove records for good; each must have been invalidated first."""
    definition = call.object(call.data.get("dataObjectApiName"))
    ids = _id_list(call)
    with call.tenant.store.lock:
        for object_id in ids:
            if call.tenant.record(definition.api_name, object_id).get("life_status") != "invalid":
                raise FxError(PARAMETER_ERROR, "删除之前请先作废数据")
        for object_id in ids:
            call.tenant.delete(definition.api_name, object_id)
    return ok()


def _id_list(call: Call) -> list[str]:
    ids = call.data.get("idList")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise FxError(PARAMETER_ERROR, "缺少参数idList")
    return ids


def _set_status(call: Call, definition: ObjectDef, ids: list[str], status: str) -> None:
    tenant = call.tenant
    with tenant.store.lock:
        for object_id in ids:
            current = tenant.record(definition.api_name, object_id).get("life_status")
            if (status == "invalid") == (current == "invalid"):
                raise FxError(PARAMETER_ERROR, "数据已作废" if status == "invalid" else "数据未作废，无需恢复")
        for object_id in ids:
            tenant.set_life_status(definition.api_name, object_id, status, call.caller.employee_id)
