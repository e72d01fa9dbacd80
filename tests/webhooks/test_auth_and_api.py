"""Users' tokens and session cookies, the account API, /healthz and the OpenAPI schema."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from sync.queue import JobQueue, open_huey
from sync.store import Store
from sync.worker import Worker
from tests.sync.builders import account, invoice
from tests.sync.queue_helpers import drain
from tests.webhooks.conftest import TOKEN, Served, make_config
from webhooks.app import create_app
from webhooks.auth import SESSION_SECONDS, session_value, user_for_session, user_for_token

USERS = {"alice@example.com": SecretStr("alice-token"), "bob@example.com": SecretStr("bob-token")}
NOW = 1_800_000_000.0


def test_a_token_names_its_user_and_nothing_else_does() -> None:
    assert user_for_token(USERS, "bob-token") == "bob@example.com"
    assert user_for_token(USERS, "bob-token ") is None
    assert user_for_token(USERS, "") is None
    assert user_for_token({"x@example.com": SecretStr("")}, "") is None  # an empty token is no token


def test_a_session_cookie_holds_until_it_expires_or_is_tampered_with() -> None:
    value = session_value(USERS, "alice@example.com", now=NOW)
    assert user_for_session(USERS, value, now=NOW + 60) == "alice@example.com"
    assert user_for_session(USERS, value, now=NOW + SESSION_SECONDS + 1) is None
    name, expires, mac = value.split(".")
    assert user_for_session(USERS, f"{name}.{int(expires) + 3600}.{mac}", now=NOW) is None
    bob = session_value(USERS, "bob@example.com", now=NOW).split(".")[0]
    assert user_for_session(USERS, f"{bob}.{expires}.{mac}", now=NOW) is None
    assert user_for_session(USERS, "garbage", now=NOW) is None
    rotated = {**USERS, "alice@example.com": SecretStr("new-token")}
    assert user_for_session(rotated, value, now=NOW) is None  # a new token ends old sessions


def _evaluated(served: Served) -> None:
    account(served.crm, "A1", name="Acme")
    invoice(served.crm, "I1", "A1", amount="1200")
    served.jobs.submit_changes("sf", "account", ["A1"])
    worker = Worker(served.config, served.store, served.jobs).attach()
    drain(served.jobs)
    worker.close()


def test_the_account_api_needs_a_user_token_or_cookie(served: Served) -> None:
    _evaluated(served)
    assert served.client.get("/api/accounts/sf/A1").status_code == 401
    wrong = served.client.get("/api/accounts/sf/A1", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    answer = served.client.get("/api/accounts/sf/A1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    view = answer.json()
    assert view["crm_id"] == "A1" and view["name"] == "Acme" and "score" in view and "aging" in view
    served.client.cookies.set("crm_credit_session", session_value(served.config.users, "alice@example.com"))
    assert served.client.get("/api/accounts/sf/A1").status_code == 200


def test_unknown_accounts_and_sources_are_404(served: Served) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert served.client.get("/api/accounts/sf/NOPE", headers=auth).status_code == 404
    assert served.client.get("/api/accounts/zz/A1", headers=auth).status_code == 404


def test_healthz_reports_store_and_queue(served: Served, tmp_path: Path) -> None:
    assert served.client.get("/healthz").json() == {"status": "ok", "store": "ok", "queue": "ok"}
    config = make_config(served.config.store.url, "redis://127.0.0.1:1/0")
    unreachable = JobQueue(open_huey("redis://127.0.0.1:1/0"))
    store = Store.open(config.store.url)
    with TestClient(create_app(config, store, unreachable, learn_org_ids=False)) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["queue"] == "unreachable"
    store.close()


def test_the_openapi_schema_lists_every_endpoint(served: Served) -> None:
    paths = served.client.get("/openapi.json").json()["paths"]
    assert {
        "/webhooks/salesforce/outbound/{source}",
        "/webhooks/zoho/{source}",
        "/webhooks/generic/{source}",
        "/healthz",
        "/api/accounts/{source}/{crm_id}",
    } <= set(paths)
    generic = paths["/webhooks/generic/{source}"]["post"]
    assert "application/json" in generic["requestBody"]["content"]
    assert "text/xml" in paths["/webhooks/salesforce/outbound/{source}"]["post"]["requestBody"]["content"]
