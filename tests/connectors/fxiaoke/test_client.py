"""The Fxiaoke client on narrow faults (`responses`): errorCodes in HTTP 200, token reuse and refresh,
backoff, the budget, and secrets that never reach a message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from connectors.base import ConnectorContext
from connectors.errors import (
    AuthExpired,
    AuthFailed,
    BudgetExhausted,
    ConfigError,
    CrmCreditError,
    QuotaExhausted,
    RateLimited,
    TransientError,
)
from connectors.fxiaoke.client import ATTEMPTS, FxiaokeClient
from connectors.fxiaoke.codes import FxiaokeCallError
from tests.connectors.fxiaoke.conftest import (
    APP_SECRET,
    BASE,
    PERMANENT_CODE,
    MemoryLedger,
    MemoryTokens,
    source_settings,
)

TOKEN_URL = f"{BASE}/oauth2.0/token"
LIST_URL = f"{BASE}/cgi/crm/v2/object/list"
LIST = "/cgi/crm/v2/object/list"
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
TOKEN = "TOKEN-ABCDEF-0123456789"


def token_answer(token: str = TOKEN, expires_in: int = 7200) -> dict[str, Any]:
    return {"accessToken": token, "ea": "fs123456", "expiresIn": expires_in, "errorCode": 0, "errorMessage": "success"}


def fail(code: int, message: str = "error") -> dict[str, Any]:
    return {"errorCode": code, "errorMessage": message, "traceId": "E-O.t"}


OK = {"errorCode": 0, "errorMessage": "OK", "data": {"objects": []}}


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_client(waits: list[float], **context: Any) -> FxiaokeClient:
    return FxiaokeClient(
        source_settings(**context.pop("settings", {})),
        ConnectorContext("fx", clock=context.pop("clock", lambda: NOW), sleep=waits.append, **context),
    )


def business_calls(mock: responses.RequestsMock) -> list[Any]:
    return [c for c in mock.calls if "/oauth2.0/" not in c.request.url]


def test_only_errorcode_zero_is_success(mocked: responses.RequestsMock, waits: list[float]) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json={"errorCode": 32000, "errorMessage": "参数错误"})
    mocked.post(LIST_URL, json={"errorMessage": "OK", "data": {}})  # no errorCode at all
    mocked.post(LIST_URL, json=OK)
    client = make_client(waits)
    with pytest.raises(FxiaokeCallError) as refused:
        client.call(LIST, {})
    assert refused.value.code == 32000 and "参数错误" in str(refused.value)
    assert client.call(LIST, {}) == OK  # the answer without errorCode was retried as malformed
    assert len(business_calls(mocked)) == 3


def test_a_token_is_fetched_once_and_shared_with_other_workers(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=OK)
    shared = MemoryTokens()
    first, second = make_client(waits, tokens=shared), make_client(waits, tokens=shared)
    first.call(LIST, {})
    first.call(LIST, {})
    second.call(LIST, {})
    token_calls = [c for c in mocked.calls if "/oauth2.0/token" in c.request.url]
    assert len(token_calls) == 1
    assert all(c.request.headers["authorization"] == f"Bearer {TOKEN}" for c in business_calls(mocked))
    ((cached, expires_at),) = shared.saved.values()
    assert TOKEN in cached and expires_at == NOW + timedelta(seconds=6600)  # the same token comes back until 6,600 s


def test_an_expired_token_is_refreshed_once_and_the_call_replayed(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer("OLD"))
    mocked.post(TOKEN_URL, json=token_answer("NEW"))
    mocked.post(LIST_URL, json=fail(20016))
    mocked.post(LIST_URL, json=OK)
    assert make_client(waits).call(LIST, {}) == OK
    used = [c.request.headers["authorization"] for c in business_calls(mocked)]
    assert used == ["Bearer OLD", "Bearer NEW"]


def test_a_token_refused_twice_gives_up_with_authexpired(mocked: responses.RequestsMock, waits: list[float]) -> None:
    mocked.post(TOKEN_URL, json=token_answer("OLD"))
    mocked.post(TOKEN_URL, json=token_answer("NEW"))
    mocked.post(LIST_URL, json=fail(20016))
    with pytest.raises(AuthExpired):
        make_client(waits).call(LIST, {})
    assert len(business_calls(mocked)) == 2  # one call, one replay: never a loop


def test_a_token_another_worker_saved_is_not_reused_after_fxiaoke_refused_it(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    shared = MemoryTokens()
    mocked.post(TOKEN_URL, json=token_answer("OLD"))
    mocked.post(TOKEN_URL, json=token_answer("NEW"))
    make_client(waits, tokens=shared).tokens.current()  # another worker cached OLD
    mocked.post(LIST_URL, json=fail(20016))
    mocked.post(LIST_URL, json=OK)
    make_client(waits, tokens=shared).call(LIST, {})
    assert [c.request.headers["authorization"] for c in business_calls(mocked)] == ["Bearer OLD", "Bearer NEW"]
    assert "NEW" in next(iter(shared.saved.values()))[0]


def test_rate_limit_codes_back_off_within_the_window_then_succeed(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    for code in (14001, 30004, 14001):
        mocked.post(LIST_URL, json=fail(code, "接口调用超过限制"))
    mocked.post(LIST_URL, json=OK)
    assert make_client(waits).call(LIST, {}) == OK
    assert len(waits) == 3 and all(0 <= w <= 20 for w in waits)


def test_a_rate_limit_that_persists_ends_in_ratelimited(mocked: responses.RequestsMock, waits: list[float]) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=fail(14001))
    with pytest.raises(RateLimited):
        make_client(waits).call(LIST, {})
    assert len(business_calls(mocked)) == ATTEMPTS


@pytest.mark.parametrize(
    ("code", "error"),
    [(30002, QuotaExhausted), (30003, ConfigError), (20021, AuthFailed), (20012, ConfigError), (10006, ConfigError)],
)
def test_quota_and_configuration_codes_stop_at_once(
    mocked: responses.RequestsMock, waits: list[float], code: int, error: type[Exception]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=fail(code))
    with pytest.raises(error):
        make_client(waits).call(LIST, {})
    assert len(business_calls(mocked)) == 1 and waits == []


def test_transient_codes_are_retried_for_reads_but_not_for_writes(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=fail(-1, "系统繁忙"))
    mocked.post(LIST_URL, json=OK)
    client = make_client(waits)
    assert client.call(LIST, {}) == OK
    mocked.post(LIST_URL, json=fail(50009))
    with pytest.raises(TransientError):
        client.call(LIST, {}, replayable=False)
    assert len(business_calls(mocked)) == 3


def test_a_bare_5xx_is_retried_for_reads_and_a_redirect_is_a_config_error(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, body="<html>502 Bad Gateway</html>", status=502)
    mocked.post(LIST_URL, json=OK)
    client = make_client(waits)
    assert client.call(LIST, {}) == OK
    mocked.post(LIST_URL, status=302, headers={"Location": "https://www.fxiaoke.com/"})
    with pytest.raises(ConfigError, match="api_base"):
        client.call(LIST, {})


def test_bad_app_credentials_are_an_auth_failure_naming_no_secret(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json={**fail(10006, "the parameter appSecret is missing or illegal"), "error": "非法请求"})
    with pytest.raises(AuthFailed) as refused:
        make_client(waits).call(LIST, {})
    token_body = json.loads(mocked.calls[0].request.body)
    assert token_body == {
        "appId": "FSAID_test",
        "appSecret": APP_SECRET,
        "permanentCode": PERMANENT_CODE,
        "grantType": "app_secret",
    }
    assert APP_SECRET not in str(refused.value) and PERMANENT_CODE not in str(refused.value)


def test_no_error_message_ever_carries_a_secret_or_the_token(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    messages = []
    for answer in (fail(20016), fail(14001), fail(30002), fail(-1), fail(12345, "whatever"), {"x": 1}):
        mocked.upsert(responses.POST, LIST_URL, json=answer)
        with pytest.raises(CrmCreditError) as failure:
            make_client(waits).call(LIST, {})
        messages.append(str(failure.value))
    assert len(messages) == 6
    for message in messages:
        assert APP_SECRET not in message and PERMANENT_CODE not in message and TOKEN not in message


def test_every_call_carries_a_fresh_thirdtraceid(mocked: responses.RequestsMock, waits: list[float]) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=OK)
    client = make_client(waits)
    client.call(LIST, {})
    client.call(LIST, {})
    traces = [c.request.params.get("thirdTraceId") for c in mocked.calls]
    assert all(traces) and len(set(traces)) == len(traces) == 3


def test_the_legacy_flow_signs_the_body_and_an_open_user_id_converts_ids(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    legacy_url = f"{BASE}/cgi/corpAccessToken/get/V2"
    mocked.post(legacy_url, json={"corpAccessToken": "LEG", "corpId": "FSCID_X", "expiresIn": 7200, "errorCode": 0})
    mocked.post(LIST_URL, json=OK)
    auth = {"app_id": "FSAID_test", "app_secret": APP_SECRET, "permanent_code": PERMANENT_CODE}
    settings = {"auth": {**auth, "user_id": "FSUID_ABC", "flow": "legacy"}}
    make_client(waits, settings=settings).call(LIST, {"data": {}})
    assert "grantType" not in json.loads(mocked.calls[0].request.body)
    sent = json.loads(mocked.calls[1].request.body)
    assert sent == {
        "data": {},
        "corpAccessToken": "LEG",
        "corpId": "FSCID_X",
        "currentOpenUserId": "FSUID_ABC",
        "convertUserId": True,
    }
    assert "authorization" not in mocked.calls[1].request.headers


def test_the_oauth2_flow_signs_headers(mocked: responses.RequestsMock, waits: list[float]) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=OK)
    make_client(waits).call(LIST, {"data": {"x": 1}})
    request = mocked.calls[1].request
    assert (request.headers["x-fs-ea"], request.headers["x-fs-userid"]) == ("fs123456", "1000")
    assert json.loads(request.body) == {"data": {"x": 1}}  # a CRM employee id needs no convertUserId


def test_calls_are_counted_in_the_ledger_and_the_budget_stops_before_calling(
    mocked: responses.RequestsMock, waits: list[float]
) -> None:
    mocked.post(TOKEN_URL, json=token_answer())
    mocked.post(LIST_URL, json=OK)
    ledger = MemoryLedger()
    ledger.record_calls("fx", 47, NOW - timedelta(hours=1))  # other workers, earlier today
    ledger.record_calls("fx", 500, NOW - timedelta(hours=30))  # yesterday: outside the rolling 24 h
    settings = {"api_daily_limit": 100, "api_budget_share": 0.5}
    client = make_client(waits, usage=ledger, settings=settings)
    client.call(LIST, {})
    client.call(LIST, {})
    client.call(LIST, {})
    with pytest.raises(BudgetExhausted, match="50 of 100"):
        client.call(LIST, {})
    assert len(business_calls(mocked)) == 3
    assert ledger.calls_since("fx", NOW - timedelta(hours=24)) == 50
