"""`PUT /crm/v8/{module}` and `POST /crm/v8/{module}`: per-record results, per zoho.md §2.5."""

from __future__ import annotations

import json
from datetime import datetime

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import ZohoHttp


def test_update_success_entry_shape(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.5: {code: SUCCESS, details: {Modified_Time, Modified_By, Created_Time, id, Created_By}, message, status}."""
    account = fresh.ids("Accounts")[0]
    response = client.put("/Accounts", json={"data": [{"id": account, "Phone": "+1 555 0101"}]})
    assert response.status_code == 200
    entry = response.json()["data"][0]
    assert (entry["code"], entry["message"], entry["status"]) == ("SUCCESS", "record updated", "success")
    assert {"Modified_Time", "Modified_By", "Created_Time", "id", "Created_By"} <= set(entry["details"])
    assert entry["details"]["id"] == account
    assert fresh.get_record("Accounts", account)["Phone"] == "+1 555 0101"  # type: ignore[index]


def test_every_write_moves_modified_time(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """Every write stamps Modified_Time (even when the value does not change)."""
    account = fresh.ids("Accounts")[1]
    before = datetime.fromisoformat(fresh.get_record("Accounts", account)["Modified_Time"])  # type: ignore[index]
    same_name = fresh.get_record("Accounts", account)["Account_Name"]  # type: ignore[index]
    fresh.advance(5)
    client.put("/Accounts", json={"data": [{"id": account, "Account_Name": same_name}]})
    after = datetime.fromisoformat(fresh.get_record("Accounts", account)["Modified_Time"])  # type: ignore[index]
    assert after > before


def test_mixed_batch_is_207_with_results_in_request_order(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.5: failures sit in the same data[] in request order; HTTP 207 for partial success."""
    first, locked, third = fresh.ids("Accounts")[:3]
    fresh.reject("Accounts", ids=[locked], code="RECORD_LOCKED", message="the record is locked")
    batch = [
        {"id": first, "Phone": "1"},
        {"id": locked, "Phone": "2"},
        {"id": "4876543200009999999", "Phone": "3"},
        {"id": third, "Employees": "many"},
    ]
    response = client.put("/Accounts", json={"data": batch})
    assert response.status_code == 207
    results = response.json()["data"]
    assert [r["status"] for r in results] == ["success", "error", "error", "error"]
    assert results[1]["code"] == "RECORD_LOCKED"
    assert results[2] == {
        "code": "INVALID_DATA",
        "details": {"id": "4876543200009999999"},
        "message": "the id given seems to be invalid",
        "status": "error",
    }
    assert results[3]["details"] == {
        "expected_data_type": "integer",
        "api_name": "Employees",
        "json_path": "$.data[3].Employees",
    }
    assert fresh.get_record("Accounts", locked)["Phone"] != "2"  # type: ignore[index]


def test_all_failed_batch_is_400(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """OAS updateRecords: 400 with data[] errors when no record was updated."""
    response = client.put("/Accounts", json={"data": [{"id": fresh.ids("Accounts")[0], "No_Such_Field": 1}]})
    assert response.status_code == 400
    assert response.json()["data"][0] == {
        "code": "INVALID_DATA",
        "details": {"api_name": "No_Such_Field", "json_path": "$.data[0].No_Such_Field"},
        "message": "the field api name given seems to be invalid",
        "status": "error",
    }


def test_more_than_one_hundred_records_is_refused(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.5: max 100 records per call; OAS example LIMIT_EXCEEDED {maximum_length: 100, api_name: data}."""
    batch = [{"id": fresh.ids("Accounts")[0], "Phone": str(n)} for n in range(101)]
    response = client.put("/Accounts", json={"data": batch})
    assert response.status_code == 400
    assert response.json() == {
        "data": [
            {
                "code": "LIMIT_EXCEEDED",
                "details": {"maximum_length": 100, "api_name": "data"},
                "message": "count of records in your request exceeds the limit",
                "status": "error",
            }
        ]
    }


def test_ids_as_numbers_and_no_content_type_are_accepted(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§6.4/§8: SDKs send ids as JSON numbers and PUT without a Content-Type."""
    account = int(fresh.ids("Accounts")[0])
    payload = json.dumps({"data": [{"id": account, "Website": "https://example.com"}]}).encode()
    response = client.put("/Accounts", data=payload, headers={"Content-Type": ""})
    assert response.status_code == 200
    assert response.json()["data"][0]["details"]["id"] == str(account)


def test_text_longer_than_the_field_is_invalid_data_with_maximum_length(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """OAS InvalidMaxLengthError: details {maximum_length, api_name, json_path}."""
    response = client.put("/Accounts", json={"data": [{"id": fresh.ids("Accounts")[0], "Phone": "9" * 31}]})
    assert response.json()["data"][0]["details"] == {
        "maximum_length": 30,
        "api_name": "Phone",
        "json_path": "$.data[0].Phone",
    }


def test_validation_rule_on_a_field_value(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """A per-record rule (like an org validation rule) rejects only the records it matches."""
    fresh.reject("Accounts", field="Employees", test=lambda v: v > 100_000, message="Employees too high")
    low, high = fresh.ids("Accounts")[:2]
    results = client.put("/Accounts", json={"data": [{"id": low, "Employees": 5}, {"id": high, "Employees": 200_000}]})
    assert [r["status"] for r in results.json()["data"]] == ["success", "error"]
    assert results.json()["data"][1]["message"] == "Employees too high"


def test_writes_cost_one_credit_per_ten_records(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.8: insert/update cost 1 credit per 10 records."""
    ids = fresh.ids("Accounts")[:25]
    before = fresh.credits_used
    client.put("/Accounts", json={"data": [{"id": i, "Phone": "0"} for i in ids]})
    assert fresh.credits_used - before == 3


def test_insert_creates_a_task_with_201(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """POST /{module}: 201 with a SUCCESS entry per record ("record added")."""
    account = fresh.ids("Accounts")[0]
    task = {"Subject": "Call about overdue invoices", "What_Id": {"id": account}, "$se_module": "Accounts",
            "Due_Date": "2026-12-01"}  # fmt: skip
    response = client.post("/Tasks", json={"data": [task]})
    assert response.status_code == 201
    entry = response.json()["data"][0]
    assert (entry["code"], entry["message"]) == ("SUCCESS", "record added")
    stored = fresh.get_record("Tasks", entry["details"]["id"])
    assert stored["What_Id"]["id"] == account  # type: ignore[index]


def test_insert_without_a_mandatory_field_is_mandatory_not_found(client: ZohoHttp) -> None:
    """§2.5: MANDATORY_NOT_FOUND with api_name and json_path."""
    response = client.post("/Tasks", json={"data": [{"Due_Date": "2026-12-01"}]})
    assert response.status_code == 400
    assert response.json()["data"][0]["details"] == {"api_name": "Subject", "json_path": "$.data[0].Subject"}
