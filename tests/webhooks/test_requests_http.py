"""`/api/requests` and the admin requests page: the caller is the token's or the session's user."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync.store import Store
from tests.sync.flows import NOW
from tests.sync.queue_helpers import sqlite_queue
from tests.sync.requests_env import BOSS, CHECKER, MAKER, events, request_config, stock
from webhooks.app import create_app

TOKENS = {MAKER: "t-maker", CHECKER: "t-checker", BOSS: "t-boss"}


def _bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[user]}"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    """The serve app over a store holding customer A1 (the policy grants it 300,000 USD)."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store.open(url)
    stock(store)
    jobs = sqlite_queue(tmp_path)
    app = create_app(request_config(url), store, jobs, clock=lambda: NOW, learn_org_ids=False)
    with TestClient(app, follow_redirects=False) as client:
        yield client, store
    jobs.close()
    store.close()


def test_the_api_creates_routes_and_decides_as_the_tokens_user(site: tuple[TestClient, Store]) -> None:
    client, store = site
    assert client.get("/api/requests").status_code == 401
    made = client.post("/api/requests", json={"source": "sf", "crm_id": "A1", "amount": "350000"},
                       headers=_bearer(MAKER))  # fmt: skip
    assert made.status_code == 201
    request = made.json()
    assert (request["status"], request["route"], request["requested_by"]) == ("pending", "credit_manager", MAKER)
    own = client.post(f"/api/requests/{request['id']}/approve", json={}, headers=_bearer(MAKER))
    assert own.status_code == 409 and own.json()["detail"]["code"] == "OWN_REQUEST"
    done = client.post(f"/api/requests/{request['id']}/approve", json={"expires_on": "2027-01-15"},
                       headers=_bearer(CHECKER))  # fmt: skip
    assert done.status_code == 200 and done.json()["decided_by"] == CHECKER
    account = client.get("/api/accounts/sf/A1", headers=_bearer(BOSS)).json()
    assert (account["credit_limit"], account["request_status"]) == ("350000", "approved")
    assert (
        client.get("/api/requests?status=approved", headers=_bearer(BOSS)).json()["requests"][0]["id"] == request["id"]
    )
    assert events(store)[-1] == ("override_set", CHECKER)


def test_the_api_refuses_bad_input_without_a_change(site: tuple[TestClient, Store]) -> None:
    client, _ = site
    unknown = client.post("/api/requests", json={"source": "sf", "crm_id": "Z9", "amount": "1"}, headers=_bearer(MAKER))
    assert unknown.status_code == 404
    negative = client.post(
        "/api/requests", json={"source": "sf", "crm_id": "A1", "amount": "-5"}, headers=_bearer(MAKER)
    )
    assert negative.status_code == 422
    floating = client.post("/api/requests", json={"source": "sf", "crm_id": "A1", "amount": 350000.5},
                           headers=_bearer(MAKER))  # fmt: skip
    assert floating.status_code == 422 and "never a float" in floating.text
    assert client.post("/api/requests/77/reject", json={}, headers=_bearer(BOSS)).status_code == 404
    assert client.get("/api/requests", headers=_bearer(BOSS)).json() == {"requests": []}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _login(client: TestClient, user: str) -> str:
    client.cookies.clear()
    form = client.get("/admin/login")
    assert client.post("/admin/login", data={"token": TOKENS[user], "csrf": _csrf(form.text)}).status_code == 303
    return _csrf(client.get("/admin/requests").text)


def test_the_admin_page_asks_as_the_signed_in_user_and_a_colleague_approves(site: tuple[TestClient, Store]) -> None:
    client, store = site
    csrf = _login(client, MAKER)
    asked = client.post("/admin/requests", data={"csrf": csrf, "source": "sf", "crm_id": "A1", "amount": "200000"})
    assert "approved+by+the+policy" in asked.headers["location"]
    client.post("/admin/requests", data={"csrf": csrf, "source": "sf", "crm_id": "A1", "amount": "450000",
                                         "reason": "new warehouse"})  # fmt: skip
    page = client.get("/admin/requests").text
    assert "your request" in page and "/admin/requests/2/approve" not in page  # no button on one's own
    refused = client.post("/admin/requests/2/approve", data={"csrf": csrf})
    assert "cannot+decide+it" in refused.headers["location"]
    assert client.post("/admin/requests/2/approve", data={"csrf": "forged"}).status_code == 403
    csrf = _login(client, CHECKER)
    over = client.post("/admin/requests/2/approve", data={"csrf": csrf})
    assert "may+decide+up+to+400%2C000" in over.headers["location"]
    csrf = _login(client, BOSS)
    page = client.get("/admin/requests").text
    assert "new warehouse" in html.unescape(page) and "as director" in page
    done = client.post("/admin/requests/2/approve", data={"csrf": csrf, "expires_on": "2027-02-01", "note": "ok"})
    assert "approved+by+boss%40example.com" in done.headers["location"]
    assert [e for e, _ in events(store)].count("request_refused") == 2
    customer = client.get("/admin/accounts/sf/A1").text
    assert 'id="limit-requests"' in customer and "new warehouse" in html.unescape(customer)
    assert "(90 days unless the approver sets an end)" in client.get("/admin/policy").text
