"""Rate limit, daily quota, unknown paths and injected faults (reference fxiaoke.md §1 "Rate limits", "Envelope")."""

from __future__ import annotations

from sandbox.faults import Fault
from sandbox.fxiaoke import FxiaokeSandbox, ManualClock
from tests.sandbox.fxiaoke.conftest import ClientFactory, FxApi, SandboxFactory, ok

LIST = "/cgi/crm/v2/object/list"


def test_the_interface_window_answers_14001_per_interface(
    sandbox: SandboxFactory, client: ClientFactory, clock: ManualClock
) -> None:
    # §1 Rate limits: per interface, 100 calls / 20 s by default (here 3 / 20 s); only visible as errorCode.
    api = client(sandbox(rate_limit=(3, 20.0)))
    ok(api.login())
    codes = [api.post(LIST, {})["errorCode"] for _ in range(4)]
    assert codes == [0, 0, 0, 14001]
    ok(api.query("AccountObj"))  # another interface has its own window
    clock.advance(20.5)
    ok(api.post(LIST, {}))


def test_the_default_window_is_the_documented_100_calls_per_20_seconds(sandbox: SandboxFactory) -> None:
    fx = sandbox()
    assert (fx.window.limit, fx.window.window_s) == (100, 20.0)
    assert (fx.token_window.limit, fx.token_window.window_s) == (10, 60.0)


def test_the_daily_pack_answers_30002_until_midnight_china_time(
    sandbox: SandboxFactory, client: ClientFactory, clock: ManualClock
) -> None:
    # §1 Rate limits: daily total = purchased packs, 30002 when spent, counted again from 00:00.
    api = client(sandbox(daily_quota=3))
    ok(api.login())
    codes = [api.post(LIST, {})["errorCode"] for _ in range(4)]
    assert codes == [0, 0, 0, 30002]
    clock.advance(86_400)
    ok(api.login())  # a day later the token has long expired too
    ok(api.post(LIST, {}))


def test_a_tenant_without_a_pack_answers_30003(sandbox: SandboxFactory, client: ClientFactory) -> None:
    # §1 Prerequisites: no Open API call pack bought → every call 30003.
    api = client(sandbox(daily_quota=0))
    ok(api.login())
    assert api.post(LIST, {})["errorCode"] == 30003


def test_an_unknown_path_answers_10006_with_http_200(api: FxApi) -> None:
    answer = api.raw("/cgi/crm/v2/data/nonsense", {})
    assert answer.status_code == 200 and answer.json()["errorCode"] == 10006
    assert api.session.get(f"{api.fx.url}/cgi/crm/v2/data/query").json()["errorCode"] == 10006


def test_an_empty_body_answers_12004(api: FxApi) -> None:
    headers = {"authorization": f"Bearer {api.token}", "x-fs-ea": api.ea, "x-fs-userid": api.fx.user_id}
    answer = api.session.post(f"{api.fx.url}{LIST}", data=b"", headers=headers)
    assert answer.status_code == 200 and answer.json()["errorCode"] == 12004


def test_injected_business_errors_keep_http_200(fx: FxiaokeSandbox, api: FxApi) -> None:
    fx.inject(20016, path="/data/query")
    fx.faults.add(Fault(status=429, path=LIST))
    expired = api.query("AccountObj")
    limited = api.raw(LIST, {})
    assert expired["errorCode"] == 20016
    assert limited.status_code == 200 and limited.json()["errorCode"] == 14001
    ok(api.query("AccountObj"))


def test_transport_faults_answer_a_bare_http_status(fx: FxiaokeSandbox, api: FxApi) -> None:
    fx.faults.add(Fault(status=503, path=LIST))
    answer = api.raw(LIST, {})
    assert answer.status_code == 503
    ok(api.post(LIST, {}))


def test_every_api_call_is_logged_and_control_calls_are_not(fx: FxiaokeSandbox, api: FxApi) -> None:
    fx.calls.clear()
    api.query("AccountObj")
    api.post(LIST, {})
    api.session.get(f"{fx.url}/__sandbox__/info")
    assert fx.calls.count("POST", "/data/query") == 1
    assert fx.calls.count(path="/object/list") == 1
    assert fx.calls.count() == 2
    assert fx.quota.used == 2
