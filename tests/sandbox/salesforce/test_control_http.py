"""The control API over HTTP (/__sandbox__), for a demo or benchmark running in another process."""

from __future__ import annotations

import requests
from simple_salesforce import Salesforce, SalesforceGeneralError

from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import trusting_session


def _control(box: SalesforceSandbox) -> tuple[requests.Session, str]:
    return trusting_session(box), f"{box.url}/__sandbox__"


def test_info_names_the_org_and_its_credentials(box: SalesforceSandbox) -> None:
    http, base = _control(box)
    info = http.get(f"{base}/info").json()
    assert info["org_id"] == box.org_id and info["url"] == box.url
    sf = Salesforce(
        username=info["username"],
        password=info["password"],
        security_token=info["security_token"],
        domain=info["url"].removeprefix("https://") + "/x",
        session=trusting_session(box),
    )
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == info["accounts"]


def test_records_are_edited_as_a_user_would(box: SalesforceSandbox) -> None:
    http, base = _control(box)
    account = box.ids("Account")[8]
    before = http.get(f"{base}/records/Account/{account}").json()
    after = http.patch(f"{base}/records/Account/{account}", json={"Rating": "Hot", "AnnualRevenue": "2500000"}).json()
    assert after["Rating"] == "Hot" and after["AnnualRevenue"] == 2500000.0
    assert after["SystemModstamp"] >= before["SystemModstamp"]
    assert after["LastModifiedById"] == before["OwnerId"]  # the owner made the edit
    refused = http.patch(f"{base}/records/Account/{account}", json={"Rating": "Lukewarm"})
    assert refused.status_code == 200  # Rating is not restricted: any value is kept
    bad = http.patch(f"{base}/records/Account/{account}", json={"CurrencyIsoCode": "XYZ"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_create_delete_and_ids(box: SalesforceSandbox) -> None:
    http, base = _control(box)
    created = http.post(
        f"{base}/records/Task",
        json={"Subject": "Call about overdue", "WhatId": box.ids("Account")[0], "ActivityDate": "2026-06-01"},
    ).json()
    assert created["id"] in http.get(f"{base}/ids/Task").json()
    http.delete(f"{base}/records/Task/{created['id']}")
    assert created["id"] not in http.get(f"{base}/ids/Task").json()
    assert created["id"] in http.get(f"{base}/ids/Task", params={"include_deleted": "true"}).json()


def test_faults_latency_and_calls_over_http(box: SalesforceSandbox, sf: Salesforce) -> None:
    http, base = _control(box)
    http.post(f"{base}/faults", json={"status": 503, "times": 1, "path": "/query"})
    try:
        sf.query("SELECT Id FROM Account LIMIT 1")
    except SalesforceGeneralError as error:
        assert error.status == 503
    else:
        raise AssertionError("the scripted 503 did not happen")
    calls = http.get(f"{base}/calls", params={"path": "/query"}).json()
    assert [c["status"] for c in calls["calls"]] == [503]
    http.delete(f"{base}/faults")
    http.delete(f"{base}/calls")
    assert http.get(f"{base}/calls").json()["count"] == 0


def test_limits_sessions_and_rules_over_http(box: SalesforceSandbox) -> None:
    http, base = _control(box)
    session = http.post(f"{base}/sessions").json()["session_id"]
    sf = Salesforce(instance_url=box.url, session_id=session, session=trusting_session(box))
    limit = http.post(f"{base}/api-limit", json={"limit": 900000}).json()
    assert limit["limit"] == 900000
    http.post(
        f"{base}/validation-rules",
        json={
            "sobject": "Account",
            "field": "NumberOfEmployees",
            "op": ">",
            "value": 100000,
            "message": "Too many people",
            "error_field": "NumberOfEmployees",
        },
    )
    account = box.ids("Account")[9]
    bad = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [{"attributes": {"type": "Account"}, "id": account, "NumberOfEmployees": 200000}],
        },
    )
    assert bad[0]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    http.post(f"{base}/rejections", json={"record_id": account, "message": "Locked by approval"})
    locked = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": False,
            "records": [{"attributes": {"type": "Account"}, "id": account, "NumberOfEmployees": 5}],
        },
    )
    assert locked[0]["errors"][0]["message"] == "Locked by approval"
    assert http.post(f"{base}/sessions/expire").json()["expired"] >= 1
