"""Refresh-token OAuth: the grant, the header, the cached token, the replay on INVALID_TOKEN, token errors."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import responses

from connectors.errors import AuthFailed, RateLimited
from tests.connectors.zoho.builders import ACCOUNTS_URL, API, REFRESH, SECRET, kit
from tests.connectors.zoho.conftest import grant

FIELDS_URL = f"{API}/crm/v8/settings/fields"
INVALID_TOKEN = {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}


def _fields_ok(mock: responses.RequestsMock, url: str = FIELDS_URL) -> None:
    mock.add("GET", url, json={"fields": [{"api_name": "Account_Name", "data_type": "text"}]})


def test_the_refresh_grant_is_a_form_body_and_calls_carry_zoho_oauthtoken(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api, "tok-1")
    _fields_ok(zoho_api)
    kit().connector.describe("Accounts")
    token_call, api_call = zoho_api.calls
    form = parse_qs(token_call.request.body)
    assert form == {"grant_type": ["refresh_token"], "client_id": ["1000.CLIENT"],
                    "client_secret": [SECRET], "refresh_token": [REFRESH]}  # fmt: skip
    assert "?" not in token_call.request.url  # secrets never in a URL
    assert api_call.request.headers["Authorization"] == "Zoho-oauthtoken tok-1"


def test_the_token_answers_api_domain_is_where_the_calls_go(zoho_api: responses.RequestsMock) -> None:
    eu = "https://www.zohoapis.eu.test"
    grant(zoho_api, "tok-eu", api_domain=eu)
    _fields_ok(zoho_api, f"{eu}/crm/v8/settings/fields")
    kit().connector.describe("Accounts")
    assert zoho_api.calls[1].request.url.startswith(f"{eu}/crm/v8/settings/fields?module=Accounts")


def test_the_token_is_cached_until_shortly_before_it_expires(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api, "tok-1")
    grant(zoho_api, "tok-2")
    _fields_ok(zoho_api)
    k = kit()
    k.connector.client.fields("Accounts")
    k.clock.advance(3600 - 120)
    k.connector.client.fields("Accounts")
    assert k.connector.token_refreshes() == 1
    k.clock.advance(90)  # within the last minute: refreshed first
    k.connector.client.fields("Accounts")
    assert k.connector.token_refreshes() == 2
    assert zoho_api.calls[-1].request.headers["Authorization"] == "Zoho-oauthtoken tok-2"


def test_legacy_expires_in_milliseconds_is_read_from_expires_in_sec(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api, "tok-1", expires_in=3_600_000, expires_in_sec=3600)
    grant(zoho_api, "tok-2")
    _fields_ok(zoho_api)
    k = kit()
    k.connector.client.fields("Accounts")
    k.clock.advance(3600)
    k.connector.client.fields("Accounts")
    assert k.connector.token_refreshes() == 2


def test_invalid_token_is_refreshed_once_and_the_call_replayed(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api, "tok-1")
    grant(zoho_api, "tok-2")
    zoho_api.add("GET", FIELDS_URL, json=INVALID_TOKEN, status=401)
    _fields_ok(zoho_api)
    k = kit()
    assert [f["api_name"] for f in k.connector.client.fields("Accounts")] == ["Account_Name"]
    sent = [c.request.headers.get("Authorization") for c in zoho_api.calls if "/crm/" in c.request.url]
    assert sent == ["Zoho-oauthtoken tok-1", "Zoho-oauthtoken tok-2"]


def test_a_second_invalid_token_stops_with_auth_failed(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api, "tok-1")
    grant(zoho_api, "tok-2")
    zoho_api.add("GET", FIELDS_URL, json=INVALID_TOKEN, status=401)
    zoho_api.add("GET", FIELDS_URL, json=INVALID_TOKEN, status=401)
    with pytest.raises(AuthFailed, match="INVALID_TOKEN"):
        kit().connector.describe("Accounts")
    assert len(zoho_api.calls) == 4


@pytest.mark.parametrize("error", ["invalid_code", "invalid_client", "invalid_client_secret"])
def test_token_errors_arrive_as_http_200_and_become_auth_failed(zoho_api: responses.RequestsMock, error: str) -> None:
    zoho_api.add("POST", f"{ACCOUNTS_URL}/oauth/v2/token", json={"error": error}, status=200)
    with pytest.raises(AuthFailed, match=error) as raised:
        kit().connector.describe("Accounts")
    assert SECRET not in str(raised.value) and REFRESH not in str(raised.value)


def test_the_refresh_throttle_is_a_rate_limit_not_bad_credentials(zoho_api: responses.RequestsMock) -> None:
    throttled = {"error_description": "You have made too many requests continuously.", "error": "Access Denied"}
    zoho_api.add("POST", f"{ACCOUNTS_URL}/oauth/v2/token", json=throttled)
    with pytest.raises(RateLimited):
        kit().connector.describe("Accounts")


def test_a_token_shared_by_another_process_is_used_without_refreshing(zoho_api: responses.RequestsMock) -> None:
    _fields_ok(zoho_api)
    first = kit()
    grant(zoho_api, "tok-shared")
    first.connector.describe("Accounts")
    second = kit(clock=first.clock)
    second.tokens.saved = dict(first.tokens.saved)  # the same store
    second.connector.describe("Accounts")
    assert second.connector.token_refreshes() == 0
    assert zoho_api.calls[-1].request.headers["Authorization"] == "Zoho-oauthtoken tok-shared"
    assert all("tok-shared" not in key for key in first.tokens.saved)
    assert "tok-shared" in json.loads(next(iter(first.tokens.saved.values()))[0])["token"]
