"""simple-salesforce's exceptions on crm-credit's two axes, and the API budget read from Sforce-Limit-Info."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from connectors.errors import (
    AuthExpired,
    AuthFailed,
    BudgetExhausted,
    ConfigError,
    CrmCreditError,
    QuotaExhausted,
    RateLimited,
    SchemaDrift,
    TransientError,
)
from connectors.salesforce.budget import ApiBudget, parse_limit_info
from connectors.salesforce.failures import translate


def _body(code: str, message: str = "m") -> list[dict[str, str]]:
    return [{"errorCode": code, "message": message}]


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (SalesforceRefusedRequest("u", 403, "q", _body("REQUEST_LIMIT_EXCEEDED")), QuotaExhausted),
        (SalesforceRefusedRequest("u", 403, "q", _body("INSUFFICIENT_ACCESS")), ConfigError),
        (SalesforceGeneralError("u", 429, "q", _body("REQUEST_LIMIT_EXCEEDED")), RateLimited),
        (SalesforceGeneralError("u", 503, "q", "Service Unavailable"), TransientError),
        (SalesforceExpiredSession("u", 401, "q", _body("INVALID_SESSION_ID")), AuthExpired),
        (SalesforceMalformedRequest("u", 400, "q", _body("INVALID_FIELD")), SchemaDrift),
        (SalesforceMalformedRequest("u", 400, "q", _body("MALFORMED_QUERY")), CrmCreditError),
        (SalesforceAuthenticationFailed("INVALID_LOGIN", "Invalid username, password"), AuthFailed),
        (SalesforceAuthenticationFailed(503, "<html>down</html>"), TransientError),
    ],
)
def test_each_answer_maps_onto_the_hierarchy(exc: Exception, expected: type[CrmCreditError]) -> None:
    translated = translate(exc, "query Account")  # type: ignore[arg-type]
    assert type(translated) is expected


def test_messages_name_the_call_and_salesforce_code_but_never_the_url() -> None:
    exc = SalesforceRefusedRequest(
        "https://x/services/data/v61.0/query?q=secret", 403, "q", _body("REQUEST_LIMIT_EXCEEDED", "TotalRequests")
    )
    text = str(translate(exc, "query Account"))
    assert "query Account" in text and "REQUEST_LIMIT_EXCEEDED" in text and "TotalRequests" in text
    assert "services/data" not in text


@pytest.mark.parametrize(
    ("header", "usage"),
    [
        ("api-usage=18/5000", (18, 5000)),
        ("api-usage=4999/5000; per-app-api-usage=17/250(appName=crm)", (4999, 5000)),
        ("api-bursts=1/750, api-usage=7/15000", (7, 15000)),
        ("per-app-api-usage=17/250(appName=crm)", None),
        ("", None),
    ],
)
def test_limit_info_is_read_wherever_api_usage_appears(header: str, usage: tuple[int, int] | None) -> None:
    assert parse_limit_info(header) == usage


def _response(header: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    if header is not None:
        response.headers["Sforce-Limit-Info"] = header
    return response


def test_the_budget_stops_calls_once_the_org_wide_share_is_reached() -> None:
    budget = ApiBudget(share=0.5)
    budget.check("first call")  # nothing known yet: go
    budget.on_response(_response("api-usage=499/1000"))
    budget.check("query Account")
    budget.on_response(_response(None))  # a response without the header changes nothing but the count
    budget.on_response(_response("api-usage=500/1000"))
    with pytest.raises(BudgetExhausted) as stopped:
        budget.check("query Invoice__c")
    assert "500 of 1000" in str(stopped.value) and "query Invoice__c" in str(stopped.value)
    assert budget.calls == 3
