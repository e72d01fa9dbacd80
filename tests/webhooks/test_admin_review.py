"""The customer page's review form: the logged-in user records a review, the review date resets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sync.store.decisions import load_current
from sync.store.schema import audit
from tests.webhooks.admin_env import TOKEN, AdminSite, admin_site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminSite]:
    with admin_site(tmp_path, monkeypatch, accounts=5) as built:
        yield built


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_recording_a_review_on_the_customer_page_resets_the_review_date(site: AdminSite) -> None:
    client = TestClient(site.app, follow_redirects=False)
    client.post("/admin/login", data={"token": TOKEN, "csrf": _csrf(client.get("/admin/login").text)})
    crm_id = site.box.ids("Account")[0]
    page = client.get(f"/admin/accounts/sf/{crm_id}")
    assert page.status_code == 200 and 'id="review-form"' in page.text and "Tasks for the account owner" in page.text
    action = f"/admin/accounts/sf/{crm_id}/review"
    data = {"outcome": "Called the CFO: volumes steady", "promise_to_pay_on": "", "csrf": _csrf(page.text)}
    done = client.post(action, data=data)
    assert done.status_code == 303 and "Review+recorded" in done.headers["location"]
    with site.store.read() as conn:
        decision = load_current(conn, [("sf", crm_id)])[("sf", crm_id)]
        actor = conn.execute(sa.select(audit.c.actor).where(audit.c.event == "review")).scalar_one()
    assert decision["last_review_on"] is not None and decision["next_review_on"] > decision["last_review_on"]
    assert actor is not None and actor in unquote(done.headers["location"])
    shown = client.get(done.headers["location"])
    assert f"last review {decision['last_review_on']}" in shown.text
    bad = client.post(action, data={**data, "promise_to_pay_on": "next week"})
    assert "error=" in bad.headers["location"]
    assert client.post(action, data={**data, "csrf": "forged"}).status_code == 403
