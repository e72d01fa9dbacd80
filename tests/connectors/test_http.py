"""The retrying session: what it retries, how long it waits, and what it gives up with."""

from __future__ import annotations

import pytest
import requests
import responses

from connectors.http import RetryPolicy, build_session


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def session(waits: list[float]) -> requests.Session:
    return build_session(policy=RetryPolicy(attempts=4, sleep=waits.append))


@responses.activate
def test_retries_429_and_5xx_then_returns_the_success(session: requests.Session, waits: list[float]) -> None:
    responses.add("GET", "https://crm.test/a", status=429)
    responses.add("GET", "https://crm.test/a", status=503)
    responses.add("GET", "https://crm.test/a", json={"ok": True})
    assert session.get("https://crm.test/a").json() == {"ok": True}
    assert len(waits) == 2


@responses.activate
def test_honours_retry_after_seconds(session: requests.Session, waits: list[float]) -> None:
    responses.add("GET", "https://crm.test/a", status=429, headers={"Retry-After": "7"})
    responses.add("GET", "https://crm.test/a", json={})
    session.get("https://crm.test/a")
    assert waits == [7.0]


@responses.activate
def test_caps_an_absurd_retry_after(waits: list[float]) -> None:
    session = build_session(policy=RetryPolicy(attempts=2, max_wait_s=30, sleep=waits.append))
    responses.add("GET", "https://crm.test/a", status=503, headers={"Retry-After": "86400"})
    responses.add("GET", "https://crm.test/a", json={})
    session.get("https://crm.test/a")
    assert waits == [30.0]


@responses.activate
def test_gives_back_the_last_answer_when_attempts_run_out(session: requests.Session) -> None:
    for _ in range(4):
        responses.add("GET", "https://crm.test/a", status=503)
    assert session.get("https://crm.test/a").status_code == 503
    assert len(responses.calls) == 4


@responses.activate
def test_does_not_retry_client_errors(session: requests.Session) -> None:
    responses.add("GET", "https://crm.test/a", status=400, json=[{"errorCode": "MALFORMED_QUERY"}])
    assert session.get("https://crm.test/a").status_code == 400
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_not_retried_on_a_500_it_may_have_applied(session: requests.Session) -> None:
    responses.add("POST", "https://crm.test/a", status=500)
    assert session.post("https://crm.test/a", json={}).status_code == 500
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_retried_when_the_server_said_it_did_nothing(session: requests.Session) -> None:
    responses.add("POST", "https://crm.test/a", status=503)
    responses.add("POST", "https://crm.test/a", json={})
    assert session.post("https://crm.test/a", json={}).status_code == 200


@responses.activate
def test_retries_connection_errors_on_reads(session: requests.Session) -> None:
    responses.add("GET", "https://crm.test/a", body=requests.exceptions.ConnectionError("reset"))
    responses.add("GET", "https://crm.test/a", json={})
    assert session.get("https://crm.test/a").status_code == 200


@responses.activate
def test_raises_the_connection_error_when_it_persists(session: requests.Session) -> None:
    for _ in range(4):
        responses.add("GET", "https://crm.test/a", body=requests.exceptions.ConnectionError("reset"))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get("https://crm.test/a")


def test_ignores_the_environment_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent.pem")
    session = build_session(ca_bundle="/tmp/sandbox-ca.pem")
    settings = session.merge_environment_settings("https://127.0.0.1:1/", {}, None, None, None)
    assert settings["verify"] == "/tmp/sandbox-ca.pem"


@responses.activate
def test_counts_retried_attempts_by_cause(waits: list[float]) -> None:
    session = build_session(policy=RetryPolicy(attempts=5, sleep=waits.append))
    responses.add("GET", "https://crm.test/a", status=429)
    responses.add("GET", "https://crm.test/a", body=requests.exceptions.ReadTimeout("slow"))
    responses.add("GET", "https://crm.test/a", body=requests.exceptions.ConnectionError("reset"))
    responses.add("GET", "https://crm.test/a", status=503)
    responses.add("GET", "https://crm.test/a", json={})
    session.get("https://crm.test/a")
    assert session.retries == {"429": 1, "timeout": 1, "connection": 1, "503": 1}
