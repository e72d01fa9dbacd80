"""The custom-object paths `/cgi/crm/custom/v2/data/*` (reference fxiaoke.md §2 "Path families", custom-objects S4)."""

from __future__ import annotations

from sandbox.fxiaoke import FxiaokeSandbox
from tests.sandbox.fxiaoke.conftest import FxApi, flt, ok

CUSTOM = "/cgi/crm/custom/v2/data"


def test_custom_objects_go_through_create_query_get_update_invalid_delete(fx: FxiaokeSandbox, api: FxApi) -> None:
    obj = fx.credit_file_object
    fields = fx.tenant.schema.objects[obj].fields
    account_field = next(n for n, f in fields.items() if f.label == "客户")
    limit_field = next(n for n, f in fields.items() if f.label == "信用额度")
    object_data = {
        "dataObjectApiName": obj,
        "name": "档案-1",
        account_field: fx.ids("AccountObj")[0],
        limit_field: "5000",
    }
    created = ok(api.post(f"{CUSTOM}/create", {"triggerApprovalFlow": False, "data": {"object_data": object_data}}))
    assert "dataId" not in created  # S4 §3: the documented custom create answer carries no dataId
    page = ok(api.query(obj, path=f"{CUSTOM}/query", filters=[flt("name", "EQ", "档案-1")]))["data"]["dataList"]
    assert len(page) == 1 and page[0][limit_field] == "5000.00"
    object_id = page[0]["_id"]
    got = ok(api.post(f"{CUSTOM}/get", {"data": {"dataObjectApiName": obj, "objectDataId": object_id}}))["data"]
    assert got[f"{account_field}__r"] == fx.tenant.name_of("AccountObj", fx.ids("AccountObj")[0])
    change = {"_id": object_id, "dataObjectApiName": obj, limit_field: "6000"}
    ok(api.post(f"{CUSTOM}/update", {"triggerWorkFlow": False, "data": {"object_data": change}}))
    assert (fx.get_record(obj, object_id) or {})[limit_field] == "6000.00"
    ok(api.post(f"{CUSTOM}/invalid", {"data": {"object_data_id": object_id, "dataObjectApiName": obj}}))
    ok(api.post(f"{CUSTOM}/delete", {"data": {"dataObjectApiName": obj, "idList": [object_id]}}))
    assert fx.ids(obj) == []


def test_preset_and_custom_objects_stay_on_their_own_path_family(fx: FxiaokeSandbox, api: FxApi) -> None:
    # S4 §1: "本接口只适用于自定义对象"; the preset paths serve XxxObj only.
    assert api.query("AccountObj", path=f"{CUSTOM}/query")["errorCode"] == 32000
    assert api.query(fx.credit_file_object)["errorCode"] == 32000


def test_find_simple_serves_preset_objects_with_its_own_projection_key(api: FxApi) -> None:
    # §2: /cgi/crm/custom/v2/data/findSimple works for preset objects too; projection in data.field_projection.
    answer = api.query("AccountObj", path=f"{CUSTOM}/findSimple", data_extra={"field_projection": ["_id"]}, limit=3)
    assert [set(r) for r in ok(answer)["data"]["dataList"]] == [{"_id"}] * 3


def test_batch_invalid_lives_on_the_path_without_v2(fx: FxiaokeSandbox, api: FxApi) -> None:
    obj = fx.credit_file_object
    ids = [fx.create_record(obj, {"name": f"档案-{i}", **_account(fx)}) for i in range(2)]
    ok(api.post("/cgi/crm/custom/data/invalid", {"data": {"dataObjectApiName": obj, "idList": ids}}))
    assert {(fx.get_record(obj, i) or {})["life_status"] for i in ids} == {"invalid"}


def _account(fx: FxiaokeSandbox) -> dict[str, str]:
    fields = fx.tenant.schema.objects[fx.credit_file_object].fields
    return {next(n for n, f in fields.items() if f.label == "客户"): fx.ids("AccountObj")[0]}
