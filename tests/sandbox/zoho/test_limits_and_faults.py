"""Credits, concurrency and injected faults, per zoho.md §2.8."""

from __future__ import annotations

import threading

from sandbox.faults import Fault
from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import ZohoHttp


def test_calls_are_weighed_in_credits(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.8: most calls cost 1 credit; the deleted list 2 (§2.2); the token endpoint is not a CRM call."""
    before = fresh.credits_used
    client.get("/Accounts", params={"fields": "Account_Name"})
    client.get("/settings/fields", params={"module": "Accounts"})
    client.get("/Accounts/deleted")
    client.refresh()
    assert fresh.credits_used - before == 1 + 1 + 2


def test_exhausted_daily_credits_answer_429_too_many_requests(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.8: HTTP 429 once the 24-hour credits are spent; body code TOO_MANY_REQUESTS (v8 OAS)."""
    fresh.set_limits(credits=fresh.credits_used + 2)
    statuses = [client.get("/Accounts", params={"fields": "Account_Name"}).status_code for _ in range(3)]
    refused = client.get("/Accounts", params={"fields": "Account_Name"})
    assert statuses == [200, 200, 429]
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert refused.json()["status"] == "error"


def test_credits_come_back_after_twenty_four_hours(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.8: the credit window is a rolling 24 hours."""
    fresh.set_limits(credits=fresh.credits_used + 1)
    client.get("/org")
    assert client.get("/org").status_code == 429
    fresh.advance(86401)
    client.login()
    assert client.get("/org").status_code == 200


def test_calls_beyond_the_concurrency_limit_get_429(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.8: simultaneous calls past the app's concurrency limit are refused with 429."""
    fresh.set_limits(concurrency=2)
    fresh.faults.add(Fault(status=0, times=2, path="/crm/v8/org", delay_s=0.3))
    statuses: list[int] = []

    def slow_call() -> None:
        statuses.append(client_copy(client, fresh).get("/org").status_code)

    workers = [threading.Thread(target=slow_call) for _ in range(2)]
    for worker in workers:
        worker.start()
    for _ in range(500):  # until both slow calls are inside the sandbox
        if fresh.state.budget.in_flight == 2:
            break
        threading.Event().wait(0.01)
    third = client.get("/Accounts", params={"fields": "Account_Name"})
    for worker in workers:
        worker.join()
    assert third.status_code == 429
    assert third.json()["code"] == "TOO_MANY_REQUESTS"
    assert statuses == [200, 200]


def client_copy(client: ZohoHttp, sandbox: ZohoSandbox) -> ZohoHttp:
    """Another connection using the same access token."""
    other = ZohoHttp(sandbox)
    other.token = client.token
    return other


def test_injected_bursts_use_zoho_error_bodies_and_then_recover(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """Fault injection: a 503 burst then normal answers; a 429 with Retry-After."""
    fresh.faults.add(Fault(status=503, times=2, path="/Accounts"))
    fresh.faults.add(Fault(status=429, times=1, path="/Invoices", retry_after=7))
    statuses = [client.get("/Accounts", params={"fields": "Account_Name"}).status_code for _ in range(3)]
    throttled = client.get("/Invoices", params={"fields": "Subject"})
    assert statuses == [503, 503, 200]
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json() == {
        "code": "TOO_MANY_REQUESTS",
        "details": {},
        "message": "Rate limit exceeded. Please retry after the specified time.",
        "status": "error",
    }


def test_every_call_is_logged_but_control_calls_are_not(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """The CallLog counts API and token calls as Zoho would see them; `/__sandbox__` is exempt."""
    fresh.calls.clear()
    client.get("/Accounts", params={"fields": "Account_Name"})
    client.put("/Accounts", json={"data": [{"id": fresh.ids("Accounts")[0], "Phone": "1"}]})
    client.session.get(f"{fresh.url}/__sandbox__/info")
    assert fresh.calls.count("GET", "/crm/v8/Accounts") == 1
    assert fresh.calls.count("PUT", "/crm/v8/Accounts") == 1
    assert fresh.calls.count(path="/__sandbox__") == 0


def test_wrong_method_and_unknown_url_use_zoho_codes(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.7: INVALID_REQUEST_METHOD (400) and INVALID_URL_PATTERN (404)."""
    wrong_method = client.call("DELETE", "/coql")
    unknown = client.session.get(f"{fresh.url}/crm/v2/Accounts")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (400, "INVALID_REQUEST_METHOD")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "INVALID_URL_PATTERN")
