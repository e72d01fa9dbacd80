"""The sandbox's own control: Python methods for tests, the same over HTTP under /__sandbox__/."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sandbox.fxiaoke import FxiaokeSandbox
from tests.sandbox.fxiaoke.conftest import FxApi, flt, ok

CONTROL = "/__sandbox__"


def test_a_user_edit_moves_last_modified_time_and_keeps_formats(fx: FxiaokeSandbox) -> None:
    plan_id = fx.ids("PaymentPlanObj")[0]
    before = fx.get_record("PaymentPlanObj", plan_id) or {}
    fx.update_record(
        "PaymentPlanObj", plan_id, {"actual_payment_amount": Decimal("12.5"), "remind_time": date(2026, 12, 1)}
    )
    after = fx.get_record("PaymentPlanObj", plan_id) or {}
    assert after["actual_payment_amount"] == "12.50"
    assert after["remind_time"] == datetime(2026, 11, 30, 16, tzinfo=UTC).timestamp() * 1000  # 00:00 GMT+8
    assert after["last_modified_time"] > before["last_modified_time"]
    with pytest.raises(ValueError):
        fx.update_record("PaymentPlanObj", plan_id, {"no_such_field": 1})


def test_paying_a_plan_in_full_completes_it(fx: FxiaokeSandbox) -> None:
    plan = next(
        p
        for p in fx.records("PaymentPlanObj")
        if p["plan_payment_status"] != "completed" and p["life_status"] == "normal"
    )
    fx.update_record("PaymentPlanObj", plan["_id"], {"actual_payment_amount": plan["plan_payment_amount"]})
    assert (fx.get_record("PaymentPlanObj", plan["_id"]) or {})["plan_payment_status"] == "completed"


def test_create_and_delete_records_as_fxiaoke_represents_them(fx: FxiaokeSandbox, api: FxApi) -> None:
    account_id = fx.create_record("AccountObj", {"name": "新客户有限公司", "industry_level1": "1"})
    assert account_id in fx.ids("AccountObj")
    fx.delete_record("AccountObj", account_id)
    invalid = ok(api.query("AccountObj", filters=[flt("_id", "EQ", account_id)]))["data"]["dataList"]
    assert invalid[0]["life_status"] == "invalid"  # 作废: still there, marked invalid
    fx.delete_record("AccountObj", account_id, hard=True)
    assert fx.get_record("AccountObj", account_id) is None
    assert ok(api.query("AccountObj", filters=[flt("_id", "EQ", account_id)]))["data"]["dataList"] == []


def test_http_control_mirrors_the_python_control(fx: FxiaokeSandbox, api: FxApi) -> None:
    http = api.session
    info = http.get(f"{fx.url}{CONTROL}/info").json()
    assert info["app_id"] == fx.app_id and info["permanent_code"] == fx.permanent_code
    assert info["custom_fields"] == fx.custom_field_names()
    ids = http.get(f"{fx.url}{CONTROL}/ids/AccountObj").json()
    assert ids == fx.ids("AccountObj")
    field = http.post(f"{fx.url}{CONTROL}/fields/AccountObj", json={"label": "信用等级", "type": "text"}).json()
    assert re.match(r"^field_[A-Za-z0-9]{5}__c$", field["api_name"])
    edit = http.patch(f"{fx.url}{CONTROL}/records/AccountObj/{ids[0]}", json={"values": {field["api_name"]: "B"}})
    assert edit.status_code == 200
    assert http.get(f"{fx.url}{CONTROL}/records/AccountObj/{ids[0]}").json()[field["api_name"]] == "B"
    assert http.get(f"{fx.url}{CONTROL}/records/AccountObj/nope").status_code == 404
    assert http.patch(f"{fx.url}{CONTROL}/records/AccountObj/{ids[0]}", json={"values": {"x": 1}}).status_code == 400
    custom = http.post(f"{fx.url}{CONTROL}/objects", json={"label": "发票"}).json()["api_name"]
    assert ok(api.query(custom, path="/cgi/crm/custom/v2/data/query"))["data"]["dataList"] == []
    http.post(f"{fx.url}{CONTROL}/rejections/AccountObj/{ids[1]}", json={"message": "locked"})
    assert fx.tenant.rejections == {("AccountObj", ids[1]): "locked"}
    http.post(f"{fx.url}{CONTROL}/tokens/expire")
    assert api.post("/cgi/crm/v2/object/list", {})["errorCode"] == 20016


def test_http_control_injects_faults_and_reads_the_call_log(fx: FxiaokeSandbox, api: FxApi) -> None:
    http = api.session
    http.delete(f"{fx.url}{CONTROL}/calls")
    http.post(f"{fx.url}{CONTROL}/faults", json={"status": 200, "code": "50009", "path": "/object/list"})
    assert api.post("/cgi/crm/v2/object/list", {})["errorCode"] == 50009
    ok(api.post("/cgi/crm/v2/object/list", {}))
    calls = http.get(f"{fx.url}{CONTROL}/calls").json()
    assert [c["path"] for c in calls] == ["/cgi/crm/v2/object/list"] * 2
