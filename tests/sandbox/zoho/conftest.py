"""Fixtures: a shared read-only sandbox, fresh sandboxes for tests that write, an HTTPS client, a hook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sandbox.zoho import ZohoSandbox

AS_OF = date(2026, 11, 1)


class ZohoHttp:
    """A thin test client: real HTTPS to the sandbox, trusting only its CA, Zoho's auth header."""

    def __init__(self, sandbox: ZohoSandbox) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = str(sandbox.ca_pem)
        self.token: str | None = None

    def refresh(self, **overrides: str) -> requests.Response:
        """POST the refresh grant as a form body (what Zoho's SDKs send)."""
        params = {
            "grant_type": "refresh_token",
            "client_id": self.sandbox.client_id,
            "client_secret": self.sandbox.client_secret,
            "refresh_token": self.sandbox.refresh_token,
            **overrides,
        }
        return self.session.post(f"{self.sandbox.url}/oauth/v2/token", data=params)

    def login(self) -> str:
        """A fresh access token."""
        self.token = self.refresh().json()["access_token"]
        return self.token

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """An API call under `/crm/v8` with `Authorization: Zoho-oauthtoken <token>`."""
        if self.token is None:
            self.login()
        sent = {"Authorization": f"Zoho-oauthtoken {self.token}", **(headers or {})}
        return self.session.request(method, f"{self.sandbox.url}/crm/v8{path}", headers=sent, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def coql(self, query: str) -> requests.Response:
        return self.post("/coql", json={"select_query": query})


@pytest.fixture(scope="session")
def shared() -> Iterator[ZohoSandbox]:
    """300 accounts (~2,800 invoices): enough to page past 2,000. Never written to."""
    with ZohoSandbox(accounts=300, seed=7, as_of=AS_OF) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def zoho(shared: ZohoSandbox) -> ZohoHttp:
    """A logged-in client of the shared sandbox."""
    client = ZohoHttp(shared)
    client.login()
    return client


@pytest.fixture
def fresh() -> Iterator[ZohoSandbox]:
    """A small sandbox of its own, for tests that write or move the clock."""
    sandbox = ZohoSandbox(accounts=30, seed=11, as_of=AS_OF, notify_retry_delays=(0.05, 0.05)).start()
    yield sandbox
    # uvicorn needs ~0.2 s to wind down; let that happen while the next test runs.
    threading.Thread(target=sandbox.stop, daemon=True).start()


@pytest.fixture
def client(fresh: ZohoSandbox) -> ZohoHttp:
    """A logged-in client of the fresh sandbox."""
    http = ZohoHttp(fresh)
    http.login()
    return http


class Receiver:
    """An HTTP endpoint that records callback bodies; answers with queued statuses, then 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                with receiver.arrived:
                    receiver.bodies.append(body)
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zoho"

    def wait(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The bodies received once `count` arrived (or what arrived by the timeout)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.bodies) >= count, timeout=timeout)
            return list(self.bodies)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local notify_url."""
    hook = Receiver()
    yield hook
    hook.close()
