"""`POST /crm/v8/Tasks`: a task related to an account needs `$se_module`; owners are users; 201 with ids."""

from __future__ import annotations

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import ZohoHttp


def _task(account_id: str, **extra: object) -> dict[str, object]:
    return {"Subject": "Call about credit", "Due_Date": "2026-12-01", "What_Id": {"id": account_id}, **extra}


def test_a_task_related_to_an_account_is_created_for_its_owner(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    account_id = fresh.ids("Accounts")[0]
    owner = (fresh.get_record("Accounts", account_id) or {})["Owner"]["id"]
    answer = client.post(
        "/Tasks", json={"data": [_task(account_id, **{"$se_module": "Accounts", "Owner": {"id": owner}})]}
    )
    assert answer.status_code == 201
    [entry] = answer.json()["data"]
    assert entry["code"] == "SUCCESS" and entry["message"] == "record added"
    task = fresh.get_record("Tasks", entry["details"]["id"]) or {}
    assert task["What_Id"]["id"] == account_id and task["Owner"]["id"] == owner


def test_refused_without_se_module_with_another_module_or_an_unknown_owner(
    client: ZohoHttp, fresh: ZohoSandbox
) -> None:
    account_id = fresh.ids("Accounts")[0]
    records = [
        _task(account_id),
        _task(account_id, **{"$se_module": "Leads"}),
        _task(account_id, Owner={"id": "1"}, **{"$se_module": "Accounts"}),
    ]
    answer = client.post("/Tasks", json={"data": records})
    assert answer.status_code == 400
    codes = [(e["code"], e["details"].get("api_name")) for e in answer.json()["data"]]
    assert codes == [("MANDATORY_NOT_FOUND", "$se_module"), ("INVALID_DATA", "$se_module"),
                     ("INVALID_DATA", "Owner")]  # fmt: skip
    assert fresh.ids("Tasks") == []
