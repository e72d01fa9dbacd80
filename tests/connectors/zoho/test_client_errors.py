"""Zoho's failures mapped onto the error hierarchy; credits counted as Zoho weighs them, stopped at our share."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import responses

from connectors.base import RecordWrite, Window
from connectors.errors import AuthFailed, BudgetExhausted, ConfigError, QuotaExhausted, RateLimited, TransientError
from tests.connectors.zoho.builders import API, T0, kit, settings
from tests.connectors.zoho.conftest import grant

FIELDS_URL = f"{API}/crm/v8/settings/fields"
DAILY = {"code": "TOO_MANY_REQUESTS", "details": {},
         "message": "The number of API requests for the 24 hour period is exceeded", "status": "error"}  # fmt: skip
CONCURRENT = {"code": "TOO_MANY_REQUESTS", "details": {},
              "message": "The concurrency limit of the user for the app is exceeded", "status": "error"}  # fmt: skip


def _error(code: str, message: str = "nope") -> dict[str, object]:
    return {"code": code, "details": {}, "message": message, "status": "error"}


def test_a_429_for_the_days_credits_is_a_quota_stop(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=DAILY, status=429)
    with pytest.raises(QuotaExhausted, match="daily API credit budget"):
        kit().connector.describe("Accounts")


def test_a_429_for_concurrency_is_retried_then_rate_limited(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=CONCURRENT, status=429)
    k = kit()
    with pytest.raises(RateLimited) as raised:
        k.connector.client.fields("Accounts")
    assert not isinstance(raised.value, QuotaExhausted)
    assert len(k.waits) == 4  # five attempts in all, backing off between them


def test_a_429_then_success_is_just_slower(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=CONCURRENT, status=429, headers={"Retry-After": "3"})
    zoho_api.add("GET", FIELDS_URL, json={"fields": []})
    k = kit()
    assert k.connector.client.fields("Accounts") == []
    assert k.waits == [3.0]


def test_server_errors_after_the_retries_are_transient(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=_error("INTERNAL_ERROR"), status=500)
    with pytest.raises(TransientError, match="500"):
        kit().connector.describe("Accounts")


def test_a_connection_failure_is_transient_and_names_no_url(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, body=requests.ConnectionError("reset by peer https://www.zohoapis.test/x"))
    with pytest.raises(TransientError) as raised:
        kit().connector.describe("Accounts")
    assert "zohoapis" not in str(raised.value)


@pytest.mark.parametrize(("status", "code", "error"), [
    (401, "OAUTH_SCOPE_MISMATCH", AuthFailed),
    (401, "AUTHENTICATION_FAILURE", AuthFailed),
    (403, "NO_PERMISSION", ConfigError),
    (400, "INVALID_MODULE", ConfigError),
])  # fmt: skip
def test_refusals_that_retrying_cannot_fix(
    zoho_api: responses.RequestsMock, status: int, code: str, error: type[Exception]
) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=_error(code), status=status)
    with pytest.raises(error, match=code):
        kit().connector.describe("Accounts")
    assert sum(1 for c in zoho_api.calls if "/crm/" in c.request.url) == 1


def test_credits_are_counted_as_zoho_weighs_calls(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json={"fields": []})
    zoho_api.add("GET", f"{API}/crm/v8/Invoices/deleted", status=204)
    entries = [{"code": "SUCCESS", "details": {"id": str(10**18 + n)}, "message": "record updated",
                "status": "success"} for n in range(25)]  # fmt: skip
    zoho_api.add("PUT", f"{API}/crm/v8/Accounts", json={"data": entries})
    k = kit()
    k.connector.client.fields("Accounts")
    list(k.connector.pull_deleted("invoice", Window(T0 - timedelta(days=1), T0)))
    k.connector.push([RecordWrite(str(10**18 + n), {"Credit_Score": 70}) for n in range(25)])
    assert [n for _source, n, _at in k.ledger.entries] == [1, 2, 3]
    assert k.connector.api_usage().used == 6


def test_refused_calls_cost_no_credits(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=DAILY, status=429)
    k = kit()
    with pytest.raises(QuotaExhausted):
        k.connector.client.fields("Accounts")
    assert k.ledger.entries == []


def test_the_budget_stops_before_the_call_that_would_pass_our_share(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json={"fields": []})
    k = kit(settings(api_daily_limit=1000, api_budget_share=0.1))  # 100 credits for us
    k.ledger.record_calls("zoho", 99, T0 - timedelta(hours=1))
    k.ledger.record_calls("zoho", 500, T0 - timedelta(hours=25))  # outside the rolling 24 h
    k.connector.client.fields("Accounts")
    with pytest.raises(BudgetExhausted, match="100 of 100"):
        k.connector.client.fields("Accounts")
    assert sum(1 for c in zoho_api.calls if "/crm/" in c.request.url) == 1


def test_an_org_without_a_daily_limit_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="api_daily_limit"):
        kit(settings(api_daily_limit=0))
