"""The API budget (Sforce-Limit-Info, /limits, REQUEST_LIMIT_EXCEEDED) and injected faults."""

from __future__ import annotations

import pytest
from simple_salesforce import SalesforceGeneralError, SalesforceRefusedRequest

from connectors.http import RetryPolicy, build_session
from sandbox.faults import Fault
from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import password_client


def test_every_call_is_counted_and_reported_in_the_limit_header(fresh: SalesforceSandbox) -> None:
    fresh.set_api_limit(500)
    sf = password_client(fresh)  # logins are not API calls
    sf.query("SELECT Id FROM Account LIMIT 1")
    sf.query("SELECT Id FROM Account LIMIT 1")
    assert sf.api_usage["api-usage"].used == 2
    assert sf.api_usage["api-usage"].total == 500
    assert sf.limits()["DailyApiRequests"] == {"Max": 500, "Remaining": 497}


def test_over_the_limit_calls_are_refused_with_403(fresh: SalesforceSandbox) -> None:
    fresh.set_api_limit(10, used=9)
    sf = password_client(fresh)
    sf.query("SELECT Id FROM Account LIMIT 1")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert caught.value.status == 403
    assert caught.value.content == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert fresh.api_usage == (10, 10)


def test_injected_429s_reach_the_client_with_retry_after(box: SalesforceSandbox) -> None:
    sf = password_client(box)
    box.faults.add(Fault(status=429, times=1, path="/query", retry_after=7))
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert caught.value.status == 429
    assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1


def test_the_project_session_rides_out_a_503_burst(box: SalesforceSandbox) -> None:
    waits: list[float] = []
    session = build_session(str(box.ca_pem), RetryPolicy(attempts=5, sleep=waits.append))
    sf = password_client(box, session)
    box.faults.add(Fault(status=503, times=3, path="/query", retry_after=2))
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 60
    assert waits == [2.0, 2.0, 2.0]
    assert [c.status for c in box.calls.calls if "/query" in c.path] == [503, 503, 503, 200]


def test_faulted_and_control_calls_do_not_count_against_the_budget(box: SalesforceSandbox) -> None:
    sf = password_client(box)
    used = box.api_usage[0]
    box.faults.add(Fault(status=503, times=1, path="/query"))
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Account LIMIT 1")
    http = build_session(str(box.ca_pem))
    assert http.get(f"{box.url}/__sandbox__/info").json()["org_id"] == box.org_id
    assert box.api_usage[0] == used
    assert box.calls.count(path="/__sandbox__") == 0
