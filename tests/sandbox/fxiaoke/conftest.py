"""A sandbox per test and a small client that speaks Fxiaoke's wire protocol over real HTTPS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox.fxiaoke import FxiaokeSandbox, ManualClock

ROOMY = (10_000, 20.0)  # rate limits out of the way for tests about something else


class FxApi:
    """Calls the sandbox like an integration would: token first, then business calls."""

    def __init__(self, fx: FxiaokeSandbox, legacy: bool = False) -> None:
        self.fx = fx
        self.legacy = legacy
        self.session = requests.Session()
        self.session.trust_env = False  # this machine sets REQUESTS_CA_BUNDLE
        self.session.verify = str(fx.ca_pem)
        self.token = ""
        self.ea = ""

    def close(self) -> None:
        """Close kept-alive connections (an open TLS connection holds the server's shutdown for 10 s)."""
        self.session.close()

    def raw(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        """POST `body` as JSON and return the HTTP response as it came."""
        return self.session.post(f"{self.fx.url}{path}", json=body, headers=headers or {})

    def login(self) -> dict[str, Any]:
        """The token call of this client's convention; keeps the token."""
        if self.legacy:
            answer = self.raw("/cgi/corpAccessToken/get/V2", self.fx.token_request()).json()
            self.token = answer.get("corpAccessToken", "")
        else:
            answer = self.raw("/oauth2.0/token?thirdTraceId=t", self.fx.token_request(new_style=True)).json()
            self.token, self.ea = answer.get("accessToken", ""), answer.get("ea", "")
        return dict(answer)

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """An authenticated business call; asserts the documented HTTP 200 and returns the JSON body."""
        body = dict(body or {})
        headers: dict[str, str] = {}
        if self.legacy:
            body.update(
                corpAccessToken=self.token, corpId=self.fx.credentials.corp_id, currentOpenUserId=self.fx.open_user_id
            )
        else:
            headers = {"authorization": f"Bearer {self.token}", "x-fs-ea": self.ea, "x-fs-userid": self.fx.user_id}
        response = self.raw(path, body, headers)
        assert response.status_code == 200
        return dict(response.json())

    def query(
        self,
        api_name: str,
        path: str = "/cgi/crm/v2/data/query",
        data_extra: dict[str, Any] | None = None,
        **search: Any,
    ) -> dict[str, Any]:
        """`data/query` with a search_query_info built from keywords (limit/offset default 100/0)."""
        info = {"limit": 100, "offset": 0, "filters": [], "orders": [], **search}
        return self.post(
            path, {"data": {"dataObjectApiName": api_name, "search_query_info": info, **(data_extra or {})}}
        )


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    """Assert success (errorCode 0 is the only success) and return the answer."""
    assert answer["errorCode"] == 0, answer
    return answer


def flt(field: str, operator: str, *values: Any) -> dict[str, Any]:
    """One documented filter: field_values is always a list."""
    return {"field_name": field, "operator": operator, "field_values": list(values)}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fx(clock: ManualClock) -> Iterator[FxiaokeSandbox]:
    with FxiaokeSandbox(accounts=12, seed=7, rate_limit=ROOMY, token_limit=ROOMY, clock=clock) as sandbox:
        yield sandbox


SandboxFactory = Callable[..., FxiaokeSandbox]


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[SandboxFactory]:
    """Start an extra sandbox with its own settings (same clock); stopped after the test's clients close."""
    started: list[FxiaokeSandbox] = []

    def make(**settings: Any) -> FxiaokeSandbox:
        made = FxiaokeSandbox(**{"accounts": 3, "clock": clock, **settings}).start()
        started.append(made)
        return made

    yield make
    for made in started:
        made.stop()


@pytest.fixture
def clients(fx: FxiaokeSandbox, sandbox: SandboxFactory) -> Iterator[list[FxApi]]:
    """Clients a test makes by hand; closed before the sandbox stops."""
    made: list[FxApi] = []
    yield made
    for client in made:
        client.close()


ClientFactory = Callable[..., "FxApi"]


@pytest.fixture
def client(fx: FxiaokeSandbox, clients: list[FxApi]) -> ClientFactory:
    """Make a client (not logged in) that is closed at the end of the test."""

    def make(sandbox: FxiaokeSandbox | None = None, legacy: bool = False) -> FxApi:
        made = FxApi(sandbox or fx, legacy)
        clients.append(made)
        return made

    return make


@pytest.fixture
def api(client: ClientFactory) -> FxApi:
    made = client()
    ok(made.login())
    return made


@pytest.fixture
def legacy(client: ClientFactory) -> FxApi:
    made = client(legacy=True)
    ok(made.login())
    return made
