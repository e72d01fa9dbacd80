"""get / update / create / invalid / delete on preset objects (reference fxiaoke.md §2 Get, Create, Update, Other)."""

from __future__ import annotations

from typing import Any

from sandbox.fxiaoke import FxiaokeSandbox
from tests.sandbox.fxiaoke.conftest import FxApi, flt, ok

GET, UPDATE = "/cgi/crm/v2/data/get", "/cgi/crm/v2/data/update"


def get(api: FxApi, api_name: str, object_id: str, **top: Any) -> dict[str, Any]:
    return api.post(GET, {**top, "data": {"dataObjectApiName": api_name, "objectDataId": object_id}})


def update(api: FxApi, api_name: str, object_id: str, values: dict[str, Any], **top: Any) -> dict[str, Any]:
    object_data = {"_id": object_id, "dataObjectApiName": api_name, **values}
    return api.post(UPDATE, {**top, "data": {"object_data": object_data}})


def test_get_answers_the_record_map_in_data(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Get: body {"data": {dataObjectApiName, objectDataId}} → data = record map.
    plan_id = fx.ids("PaymentPlanObj")[0]
    record = ok(get(api, "PaymentPlanObj", plan_id))["data"]
    stored = fx.get_record("PaymentPlanObj", plan_id)
    assert stored is not None
    assert record["_id"] == plan_id and record["name"] == stored["name"]
    assert record["plan_payment_amount"] == stored["plan_payment_amount"]  # currency as a string
    assert isinstance(record["plan_payment_time"], int) and isinstance(record["last_modified_time"], int)
    assert record["account_id__r"] == fx.tenant.name_of("AccountObj", stored["account_id"])


def test_get_of_a_missing_record_is_an_error(api: FxApi) -> None:
    assert get(api, "AccountObj", "0" * 24)["errorCode"] == 32000
    assert api.post(GET, {"data": {"dataObjectApiName": "AccountObj"}})["errorCode"] == 32000
    assert get(api, "NoSuchObj", "x")["errorCode"] == 32000


def test_update_changes_one_record_and_moves_last_modified_time(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Update: data.object_data{_id, dataObjectApiName, …changed fields}; omitted fields stay (PATCH).
    account_id = fx.ids("AccountObj")[0]
    before = fx.get_record("AccountObj", account_id)
    assert before is not None
    ok(update(api, "AccountObj", account_id, {"tel": "010-1234"}, triggerApprovalFlow=False))
    after = ok(get(api, "AccountObj", account_id))["data"]
    assert after["tel"] == "010-1234"
    assert after["name"] == before["name"]
    assert after["last_modified_time"] > before["last_modified_time"]
    assert after["last_modified_by"] == [fx.user_id]


def test_write_back_fields_take_the_documented_value_formats(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 "Field value formats": currency as a string, dates as epoch ms, select_one by option value.
    limit = fx.create_custom_field("AccountObj", "信用额度", "currency")
    review = fx.create_custom_field("AccountObj", "下次复核日期", "date")
    status = fx.create_custom_field("AccountObj", "信用状态", "select_one", options=("OK", "WATCH", "HOLD"))
    hold = next(o.value for o in fx.tenant.schema.objects["AccountObj"].fields[status].options if o.label == "HOLD")
    account_id = fx.ids("AccountObj")[1]
    values = {limit: "250000.5", review: 1_790_000_000_000, status: hold}
    ok(update(api, "AccountObj", account_id, values, triggerApprovalFlow=False))
    record = ok(get(api, "AccountObj", account_id))["data"]
    assert record[limit] == "250000.50"
    assert record[review] % 86_400_000 == 16 * 3_600_000  # a date keeps only the day (midnight GMT+8)
    assert record[status] == hold
    assert update(api, "AccountObj", account_id, {status: "HOLD"}, triggerApprovalFlow=False)["errorCode"] == 32000
    assert update(api, "AccountObj", account_id, {limit: "lots"}, triggerApprovalFlow=False)["errorCode"] == 32000


def test_update_refuses_owner_unknown_read_only_and_over_long_fields(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Update: owner cannot change via update (changeOwner does); texts are bounded by describe.
    account_id = fx.ids("AccountObj")[2]
    note = fx.create_custom_field("AccountObj", "信用说明", "text", max_length=20)
    for values in ({"owner": ["1001"]}, {"field_zzzzz__c": "x"}, {"last_modified_time": 1}, {note: "x" * 21}):
        assert update(api, "AccountObj", account_id, values, triggerApprovalFlow=False)["errorCode"] == 32000
    ok(update(api, "AccountObj", account_id, {note: "x" * 20}, triggerApprovalFlow=False))


def test_an_update_without_triggerapprovalflow_false_is_held_by_the_approval_flow(
    fx: FxiaokeSandbox, api: FxApi
) -> None:
    # §2 Update: triggerApprovalFlow defaults to true; the tenant has an edit approval flow on AccountObj.
    account_id = fx.ids("AccountObj")[4]
    ok(update(api, "AccountObj", account_id, {"tel": "held"}))
    record = ok(get(api, "AccountObj", account_id))["data"]
    assert record.get("tel") != "held"
    assert (record["life_status"], record["lock_status"]) == ("in_change", "1")
    assert update(api, "AccountObj", account_id, {"tel": "again"}, triggerApprovalFlow=False)["errorCode"] == 32000
    fx.decide_approval("AccountObj", account_id, approve=True)
    approved = ok(get(api, "AccountObj", account_id))["data"]
    assert approved["tel"] == "held" and approved["life_status"] == "normal"


def test_a_validation_rule_refuses_the_next_write_of_one_record_with_its_message(
    fx: FxiaokeSandbox, api: FxApi
) -> None:
    # A tenant validation rule (验证规则) refuses a save with the admin's own message, once.
    refused, other = fx.ids("AccountObj")[6:8]
    fx.reject_next_write("AccountObj", refused, "信用字段审计期间锁定")
    ok(update(api, "AccountObj", other, {"tel": "1"}, triggerApprovalFlow=False))
    answer = update(api, "AccountObj", refused, {"tel": "2"}, triggerApprovalFlow=False)
    assert (answer["errorCode"], answer["errorMessage"]) == (32000, "信用字段审计期间锁定")
    assert (fx.get_record("AccountObj", refused) or {}).get("tel") != "2"
    ok(update(api, "AccountObj", refused, {"tel": "3"}, triggerApprovalFlow=False))
    assert (fx.get_record("AccountObj", refused) or {})["tel"] == "3"


def test_triggerworkflow_false_fires_no_workflow(fx: FxiaokeSandbox, api: FxApi) -> None:
    account_id = fx.ids("AccountObj")[5]
    ok(update(api, "AccountObj", account_id, {"tel": "1"}, triggerApprovalFlow=False, triggerWorkFlow=False))
    assert fx.workflow_log == []
    ok(update(api, "AccountObj", account_id, {"tel": "2"}, triggerApprovalFlow=False))
    assert fx.workflow_log == [("AccountObj", account_id, "update")]


def test_create_answers_data_id(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Create: body data.object_data{dataObjectApiName, …}; preset answer carries dataId.
    account_id = fx.ids("AccountObj")[0]
    object_data = {
        "dataObjectApiName": "PaymentObj",
        "name": "HK-NEW",
        "account_id": account_id,
        "payment_amount": "100.00",
        "payment_time": 1_790_000_000_000,
    }
    answer = ok(
        api.post("/cgi/crm/v2/data/create", {"triggerApprovalFlow": False, "data": {"object_data": object_data}})
    )
    created = fx.get_record("PaymentObj", answer["dataId"])
    assert created is not None and created["payment_amount"] == "100.00" and created["owner"] == [fx.user_id]
    missing = {"dataObjectApiName": "PaymentObj", "name": "HK-BAD"}
    assert api.post("/cgi/crm/v2/data/create", {"data": {"object_data": missing}})["errorCode"] == 32000


def test_a_receipt_detail_rolls_up_into_its_payment_plan(fx: FxiaokeSandbox, api: FxApi) -> None:
    # 回款明细 (OrderPaymentObj) carries payment_plan_id; the plan's received amount and status follow.
    plans = fx.records("PaymentPlanObj")
    plan = next(
        p
        for p in plans
        if p["plan_payment_status"] != "completed"
        and p["life_status"] == "normal"
        and float(p["plan_payment_amount"]) > 0
    )
    owed = float(plan["plan_payment_amount"]) - float(plan["actual_payment_amount"])
    detail = {
        "dataObjectApiName": "OrderPaymentObj",
        "name": "HKMX-NEW",
        "payment_id": fx.ids("PaymentObj")[0],
        "account_id": plan["account_id"],
        "payment_plan_id": plan["_id"],
        "payment_amount": f"{owed:.2f}",
    }
    ok(api.post("/cgi/crm/v2/data/create", {"data": {"object_data": detail}}))
    after = ok(get(api, "PaymentPlanObj", plan["_id"]))["data"]
    assert after["plan_payment_status"] == "completed"
    assert after["actual_payment_amount"] == plan["plan_payment_amount"]
    assert after["last_modified_time"] > plan["last_modified_time"]


def test_invalid_keeps_the_record_readable_and_delete_needs_it(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Other: invalid {data:{object_data_id, dataObjectApiName}} then delete {data:{dataObjectApiName, idList}}.
    order_id = next(r["_id"] for r in fx.records("SalesOrderObj") if r["life_status"] == "normal")
    body = {"data": {"dataObjectApiName": "SalesOrderObj", "idList": [order_id]}}
    assert api.post("/cgi/crm/v2/data/delete", body)["errorCode"] == 32000
    ok(
        api.post(
            "/cgi/crm/v2/data/invalid", {"data": {"object_data_id": order_id, "dataObjectApiName": "SalesOrderObj"}}
        )
    )
    invalid = ok(api.query("SalesOrderObj", filters=[flt("life_status", "EQ", "invalid")]))["data"]["dataList"]
    assert order_id in {r["_id"] for r in invalid}
    ok(api.post("/cgi/crm/v2/data/recover", body))
    assert ok(get(api, "SalesOrderObj", order_id))["data"]["life_status"] == "normal"
    ok(
        api.post(
            "/cgi/crm/v2/data/invalid", {"data": {"object_data_id": order_id, "dataObjectApiName": "SalesOrderObj"}}
        )
    )
    ok(api.post("/cgi/crm/v2/data/delete", body))
    assert get(api, "SalesOrderObj", order_id)["errorCode"] == 32000
    assert order_id not in fx.ids("SalesOrderObj")
