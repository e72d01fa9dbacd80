"""The accounts host and the API's token check, as zoho.md §1 describes them."""

from __future__ import annotations

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import ZohoHttp


def test_refresh_grant_returns_token_api_domain_and_expiry(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1 success body: access_token, api_domain (the sandbox), token_type Bearer, expires_in 3600 s."""
    body = client.refresh().json()
    assert body["access_token"].startswith("1000.")
    assert body["api_domain"] == fresh.url
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body  # only the authorization-code grant returns one


def test_refresh_parameters_are_accepted_in_the_query_string(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1: Zoho's pages show the parameters as a query string; SDKs send a form body. Both work."""
    params = {
        "grant_type": "refresh_token",
        "client_id": fresh.client_id,
        "client_secret": fresh.client_secret,
        "refresh_token": fresh.refresh_token,
    }
    response = client.session.post(f"{fresh.url}/oauth/v2/token", params=params)
    assert "access_token" in response.json()


def test_token_errors_come_back_as_http_200_with_an_error_key(client: ZohoHttp) -> None:
    """§1: `{"error": "invalid_client"}` / `invalid_code` with status 200; test for access_token, not status."""
    wrong_client = client.refresh(client_id="1000.NOPE")
    wrong_secret = client.refresh(client_secret="nope")
    wrong_token = client.refresh(refresh_token="1000.dead.beef")
    assert (wrong_client.status_code, wrong_client.json()) == (200, {"error": "invalid_client"})
    assert (wrong_secret.status_code, wrong_secret.json()) == (200, {"error": "invalid_client_secret"})
    assert (wrong_token.status_code, wrong_token.json()) == (200, {"error": "invalid_code"})


def test_a_revoked_refresh_token_gives_invalid_code(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1: a revoked refresh token answers `invalid_code`, and its access tokens stop working."""
    fresh.revoke_token(refresh=True)
    assert client.refresh().json() == {"error": "invalid_code"}
    assert client.get("/Accounts", params={"fields": "Account_Name"}).json()["code"] == "INVALID_TOKEN"


def test_eleventh_refresh_in_ten_minutes_is_throttled_until_the_window_passes(
    client: ZohoHttp, fresh: ZohoSandbox
) -> None:
    """§1 token limits: 10 access-token requests per refresh token per 10 min; then "Access Denied"."""
    fresh.advance(600)  # the fixture's own login leaves the window
    answers = [client.refresh().json() for _ in range(11)]
    assert all("access_token" in a for a in answers[:10])
    assert answers[10]["error"] == "Access Denied"
    assert "error_description" in answers[10]
    fresh.advance(601)
    assert "access_token" in client.refresh().json()


def test_sixteenth_live_token_evicts_the_oldest(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1 token limits: at most 15 live access tokens per refresh token; the 16th invalidates the oldest."""
    oldest = client.token
    for _ in range(15):
        if len(fresh.state.oauth.grants[fresh.refresh_token].requests) >= 10:
            fresh.advance(601)
        client.login()
    client.token = oldest
    assert client.get("/org").json()["code"] == "INVALID_TOKEN"


def test_calls_need_the_zoho_oauthtoken_scheme(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1 header: only `Zoho-oauthtoken <token>`; Bearer or no header is refused with 401."""
    url = f"{fresh.url}/crm/v8/Accounts?fields=Account_Name"
    bearer = client.session.get(url, headers={"Authorization": f"Bearer {client.token}"})
    missing = client.session.get(url)
    assert bearer.status_code == 401
    assert bearer.json() == {
        "code": "AUTHENTICATION_FAILURE",
        "details": {},
        "message": "Authentication failed",
        "status": "error",
    }
    assert missing.status_code == 401
    assert client.get("/Accounts", params={"fields": "Account_Name"}).status_code == 200


def test_expired_token_gets_401_invalid_token_body(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1: a stale token gets 401 with the INVALID_TOKEN body (fixture `error_invalid_token.json`)."""
    fresh.expire_tokens()
    response = client.get("/Accounts", params={"fields": "Account_Name"})
    assert response.status_code == 401
    assert response.json() == {
        "code": "INVALID_TOKEN",
        "details": {},
        "message": "invalid oauth token",
        "status": "error",
    }
    client.login()
    assert client.get("/Accounts", params={"fields": "Account_Name"}).status_code == 200


def test_access_tokens_lapse_after_an_hour(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1: an access token is valid for one hour."""
    fresh.advance(3599)
    assert client.get("/org").status_code == 200
    fresh.advance(2)
    assert client.get("/org").json()["code"] == "INVALID_TOKEN"


def test_revoked_access_token_recovers_with_a_refresh(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§1 connector rule: on 401 INVALID_TOKEN refresh once and replay; a revoked access token allows that."""
    fresh.revoke_token()
    assert client.get("/org").json()["code"] == "INVALID_TOKEN"
    client.login()
    assert client.get("/org").status_code == 200
