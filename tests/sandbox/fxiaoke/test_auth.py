"""Token calls and per-call auth, as reference fxiaoke.md §1 (Authentication) documents and probes them."""

from __future__ import annotations

from sandbox.fxiaoke import FxiaokeSandbox, ManualClock
from tests.sandbox.fxiaoke.conftest import ClientFactory, FxApi, SandboxFactory, flt, ok


def test_new_style_token_answers_the_documented_fields(client: ClientFactory, fx: FxiaokeSandbox) -> None:
    # §1 table, "new" column: accessToken, expiresIn, ea, appId, openUserId (= the corp id, FSCID_…).
    answer = client().raw("/oauth2.0/token?thirdTraceId=x", fx.token_request(new_style=True))
    body = answer.json()
    assert answer.status_code == 200
    assert body["errorCode"] == 0 and body["errorMessage"] == "success"
    assert body["expiresIn"] == 7200
    assert body["ea"] == fx.credentials.ea and body["appId"] == fx.app_id
    assert body["openUserId"].startswith("FSCID_") and body["accessToken"] and body["traceId"]


def test_legacy_token_answers_corp_access_token_corp_id_and_expiry(client: ClientFactory, fx: FxiaokeSandbox) -> None:
    # §1 table, "legacy" column: corpAccessToken, corpId, expiresIn, errorCode, errorMessage.
    body = client().raw("/cgi/corpAccessToken/get/V2", fx.token_request()).json()
    assert body["errorCode"] == 0
    assert body["corpId"] == fx.credentials.corp_id and body["expiresIn"] == 7200
    assert isinstance(body["corpAccessToken"], str) and body["corpAccessToken"]


def test_a_wrong_secret_answers_10006_with_http_200(client: ClientFactory, fx: FxiaokeSandbox) -> None:
    # §1 "Envelope & errors": probed, bad or missing appSecret → 10006 (fixture token_error_10006.json).
    c = client()
    wrong = c.raw("/oauth2.0/token", {**fx.token_request(new_style=True), "appSecret": "nope"})
    missing = c.raw("/cgi/corpAccessToken/get/V2", {"appId": fx.app_id, "permanentCode": fx.permanent_code})
    assert wrong.status_code == missing.status_code == 200
    assert wrong.json()["errorCode"] == missing.json()["errorCode"] == 10006
    assert wrong.json()["error"] == "非法请求" and "error_description" in wrong.json()
    assert fx.app_secret not in wrong.text


def test_a_business_call_without_auth_answers_20017(client: ClientFactory, fx: FxiaokeSandbox) -> None:
    # §1: no auth at all → 20017 "corpAccessToken为必填项…" (fixture error_20017_no_auth.json).
    answer = client().raw("/cgi/crm/v2/data/query", {"data": {"dataObjectApiName": "AccountObj"}})
    assert answer.status_code == 200
    assert answer.json()["errorCode"] == 20017


def test_a_bad_token_answers_20016_in_both_conventions(client: ClientFactory, fx: FxiaokeSandbox) -> None:
    # §1: bad token → 20016 (fixture error_20016_bad_token.json); the gateway reads header and body styles.
    c = client()
    headers = {"authorization": "Bearer FAKE", "x-fs-ea": fx.credentials.ea, "x-fs-userid": fx.user_id}
    header_style = c.raw("/cgi/crm/v2/object/list", {}, headers).json()
    body_style = c.raw(
        "/cgi/crm/custom/v2/data/query",
        {"corpAccessToken": "FAKE", "corpId": fx.credentials.corp_id, "currentOpenUserId": fx.open_user_id},
    ).json()
    assert header_style["errorCode"] == body_style["errorCode"] == 20016


def test_the_token_belongs_to_its_enterprise(api: FxApi) -> None:
    api.ea = "fs000000"
    assert api.post("/cgi/crm/v2/object/list", {})["errorCode"] == 20016


def test_the_same_token_comes_back_for_6600_s_then_a_new_one_while_the_old_lives_to_7200_s(
    client: ClientFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    # §1 "Token lifetime".
    c = client()
    first = ok(c.login())
    clock.advance(6000)
    again = ok(c.login())
    assert again["accessToken"] == first["accessToken"] and again["expiresIn"] == 1200
    clock.advance(700)
    renewed = ok(c.login())
    assert renewed["accessToken"] != first["accessToken"] and renewed["expiresIn"] == 7200
    c.token = first["accessToken"]
    ok(c.post("/cgi/crm/v2/object/list", {}))  # old token: 6,700 s old, still valid
    clock.advance(600)
    assert c.post("/cgi/crm/v2/object/list", {})["errorCode"] == 20016
    c.token = renewed["accessToken"]
    ok(c.post("/cgi/crm/v2/object/list", {}))


def test_expired_tokens_answer_20016_until_the_client_asks_again(fx: FxiaokeSandbox, api: FxApi) -> None:
    ok(api.post("/cgi/crm/v2/object/list", {}))
    fx.expire_tokens()
    assert api.post("/cgi/crm/v2/object/list", {})["errorCode"] == 20016
    ok(api.login())
    ok(api.post("/cgi/crm/v2/object/list", {}))


def test_the_token_call_is_throttled_to_10_a_minute(
    client: ClientFactory, sandbox: SandboxFactory, clock: ManualClock
) -> None:
    # §1 "Token lifetime": ≤ 10 calls a minute; the excess answers the interface-limit code 14001.
    c = client(sandbox())
    codes = [c.login()["errorCode"] for _ in range(11)]
    assert codes == [0] * 10 + [14001]
    clock.advance(61)
    ok(c.login())


def test_legacy_calls_see_open_user_ids_and_new_calls_see_employee_ids(api: FxApi, legacy: FxApi) -> None:
    # §1 table "user id form": CRM employee id by default (new), openUserId FSUID_… (legacy).
    new_owner = api.query("AccountObj", limit=1)["data"]["dataList"][0]["owner"]
    old_owner = legacy.query("AccountObj", limit=1)["data"]["dataList"][0]["owner"]
    assert new_owner[0].isdigit()
    assert old_owner[0].startswith("FSUID_")
    assert new_owner != old_owner


def test_legacy_filters_on_employee_fields_take_open_user_ids(fx: FxiaokeSandbox, legacy: FxApi) -> None:
    owner = fx.tenant.people.by_employee_id(fx.records("AccountObj")[0]["owner"][0])
    assert owner is not None
    rows = legacy.query("AccountObj", filters=[flt("owner", "IN", owner.open_user_id)])["data"]["dataList"]
    expected = [r for r in fx.records("AccountObj") if r["owner"] == [owner.employee_id]]
    assert len(rows) == len(expected) > 0
    assert {r["owner"][0] for r in rows} == {owner.open_user_id}


def test_the_acting_user_must_be_an_employee(fx: FxiaokeSandbox, api: FxApi) -> None:
    headers = {"authorization": f"Bearer {api.token}", "x-fs-ea": api.ea}
    missing = api.raw("/cgi/crm/v2/object/list", {}, headers).json()
    unknown = api.raw("/cgi/crm/v2/object/list", {}, {**headers, "x-fs-userid": "9999"}).json()
    assert missing["errorCode"] == 10010
    assert unknown["errorCode"] == 30027


def test_after_the_admin_resets_the_app_secret_only_the_new_one_gets_a_token(
    client: ClientFactory, fx: FxiaokeSandbox
) -> None:
    old = fx.token_request(new_style=True)
    fx.reset_app_secret("reset-by-the-admin")
    c = client()
    assert c.raw("/oauth2.0/token", old).json()["errorCode"] == 10006
    assert c.raw("/oauth2.0/token", {**old, "appSecret": "reset-by-the-admin"}).json()["errorCode"] == 0
