"""日程 (ScheduleObj) through `data/create`: the owner's follow-ups crm-credit creates, tied to an account."""

from __future__ import annotations

from typing import Any

from sandbox.fxiaoke import FxiaokeSandbox
from tests.sandbox.fxiaoke.conftest import FxApi, ok

CREATE = "/cgi/crm/v2/data/create"
BEGIN, END = 1_790_000_000_000, 1_790_001_800_000


def _schedule(account_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "dataObjectApiName": "ScheduleObj",
        "name": "Credit hold: ACME",
        "content": "Why: PAST_DUE_90",
        "begin_time": BEGIN,
        "end_time": END,
        "related_object_data": [{"describe_api_name": "AccountObj", "id": account_id}],
        **fields,
    }


def _create(api: FxApi, object_data: dict[str, Any]) -> dict[str, Any]:
    return api.post(CREATE, {"triggerApprovalFlow": False, "data": {"object_data": object_data}})


def test_a_schedule_for_another_employee_is_stored_with_its_account(fx: FxiaokeSandbox, api: FxApi) -> None:
    account_id = fx.ids("AccountObj")[0]
    rep = fx.tenant.people.employees[2].employee_id
    answer = ok(_create(api, _schedule(account_id, owner=[rep], participants=[rep])))
    stored = fx.get_record("ScheduleObj", answer["dataId"])
    assert stored is not None
    assert stored["owner"] == [rep] and stored["participants"] == [rep] and stored["created_by"] == [fx.user_id]
    assert stored["related_object_data"] == [{"describe_api_name": "AccountObj", "id": account_id}]
    assert (stored["name"], stored["begin_time"], stored["end_time"]) == ("Credit hold: ACME", BEGIN, END)


def test_an_unknown_employee_or_account_refuses_that_record_as_a_parameter_error(
    fx: FxiaokeSandbox, api: FxApi
) -> None:
    account_id = fx.ids("AccountObj")[0]
    unknown_owner = _create(api, _schedule(account_id, owner=["999999"]))
    assert unknown_owner["errorCode"] == 32000 and "999999" in unknown_owner["errorMessage"]
    assert _create(api, _schedule(account_id, participants=["424242"]))["errorCode"] == 32000
    assert _create(api, _schedule("0" * 24))["errorCode"] == 32000
    assert _create(api, _schedule(account_id, begin_time=None))["errorCode"] == 32000  # required
    assert fx.records("ScheduleObj") == []


def test_owner_and_participants_follow_the_callers_id_form(fx: FxiaokeSandbox, legacy: FxApi) -> None:
    # A legacy (openUserId) caller names employees as FSUID_…; they are stored as CRM ids and shown back as FSUIDs.
    account_id = fx.ids("AccountObj")[1]
    rep = fx.tenant.people.employees[1]
    answer = ok(_create(legacy, _schedule(account_id, owner=[rep.open_user_id], participants=[rep.open_user_id])))
    stored = fx.get_record("ScheduleObj", answer["dataId"])
    assert stored is not None and stored["owner"] == [rep.employee_id]
    shown = ok(legacy.post("/cgi/crm/v2/data/get", {"data": {"dataObjectApiName": "ScheduleObj",
                                                              "objectDataId": answer["dataId"]}}))  # fmt: skip
    assert shown["data"]["participants"] == [rep.open_user_id]
