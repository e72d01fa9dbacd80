"""sObject Collections: per-record results in request order, allOrNone, the 200-record cap."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from sandbox.salesforce import SalesforceSandbox


def _patch(
    sf: Salesforce, records: list[dict[str, object]], all_or_none: bool = False, client: str | None = None
) -> list[dict[str, object]]:
    headers = {"Sforce-Call-Options": f"client={client}"} if client else {}
    body = {"allOrNone": all_or_none, "records": records}
    return sf.restful("composite/sobjects", method="PATCH", json=body, headers=headers)  # type: ignore[no-any-return]


def _accounts(box: SalesforceSandbox, start: int, count: int, **values: object) -> list[dict[str, object]]:
    return [{"attributes": {"type": "Account"}, "id": i, **values} for i in box.ids("Account")[start : start + count]]


def test_a_scripted_rejection_fails_one_record_and_the_rest_commit(box: SalesforceSandbox, sf: Salesforce) -> None:
    records = _accounts(box, 10, 5, Rating="Warm")
    victim = str(records[2]["id"])
    box.reject_next_write(record_id=victim, message="Credit limit must be below 250,000", fields=["Rating"])
    results = _patch(sf, records, client="crm-credit")
    assert [r["success"] for r in results] == [True, True, False, True, True]
    assert [r["id"] for r in results] == [r["id"] for r in records]
    assert results[2]["errors"] == [
        {
            "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "message": "Credit limit must be below 250,000",
            "fields": ["Rating"],
        }
    ]
    assert box.get_record("Account", victim)["Rating"] is None  # type: ignore[index]
    assert box.get_record("Account", str(records[3]["id"]))["Rating"] == "Warm"  # type: ignore[index]


def test_the_call_options_client_is_recorded_as_the_change_origin(box: SalesforceSandbox, sf: Salesforce) -> None:
    records = _accounts(box, 20, 2, Rating="Cold")
    _patch(sf, records, client="crm-credit")
    mine = [c for c in box.changes if c.record_id in {r["id"] for r in records}]
    assert [c.client for c in mine[-2:]] == ["crm-credit", "crm-credit"]


def test_all_or_none_rolls_every_record_back(box: SalesforceSandbox, sf: Salesforce) -> None:
    records = _accounts(box, 30, 3, Rating="Hot")
    records[1]["Industry"] = None
    records[1]["CurrencyIsoCode"] = "XXX"
    before = [box.get_record("Account", str(r["id"]))["SystemModstamp"] for r in records]  # type: ignore[index]
    results = _patch(sf, records, all_or_none=True)
    assert [r["success"] for r in results] == [False, False, False]
    codes = [r["errors"][0]["statusCode"] for r in results]  # type: ignore[index]
    assert codes == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "FIELD_INTEGRITY_EXCEPTION",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    ]
    after = [box.get_record("Account", str(r["id"]))["SystemModstamp"] for r in records]  # type: ignore[index]
    assert after == before


def test_more_than_200_records_is_refused_whole(box: SalesforceSandbox, sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Invoice__c"}, "id": i, "Balance__c": 0} for i in box.ids("Invoice__c")[:201]]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _patch(sf, records)
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_create_and_delete_collections(box: SalesforceSandbox, sf: Salesforce) -> None:
    account = box.ids("Account")[0]
    created = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Task"}, "WhatId": account, "Subject": "Credit hold", "Status": "Not Started"},
                {"attributes": {"type": "Task"}, "WhatId": account, "Subject": "Review", "Status": "Sleeping"},
            ],
        },
    )
    assert [r["success"] for r in created] == [True, False]
    assert "id" not in created[1]
    task = created[0]["id"]
    deleted = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": f"{task},00T000000000000AAA", "allOrNone": "false"}
    )
    assert [r["success"] for r in deleted] == [True, False]
    assert box.get_record("Task", task)["IsDeleted"] is True  # type: ignore[index]


def test_a_missing_id_in_an_update_is_a_per_record_error(box: SalesforceSandbox, sf: Salesforce) -> None:
    results = _patch(sf, [{"attributes": {"type": "Account"}, "Rating": "Hot"}])
    assert results == [
        {
            "success": False,
            "errors": [
                {"statusCode": "MISSING_ARGUMENT", "message": "Id not specified in an update call", "fields": []}
            ],
        }
    ]
