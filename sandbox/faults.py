"""Fault injection and call accounting shared by every sandbox, scriptable from tests.

A `FaultPlan` holds queued faults (answer the next N matching calls with a status, delay them,
add latency to every call); `FaultMiddleware` applies it in front of the emulator and records
every call in a `CallLog`, so tests can count API calls exactly as the CRM would bill them.
Each emulator supplies its own error body, because every CRM words errors differently.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

ErrorBody = Callable[[int, str], Response]  # (status, code) -> the CRM's own error response


@dataclass
class Fault:
    """Answer up to `times` calls whose path contains `path` (and method matches) with `status`."""

    status: int
    times: int = 1
    path: str = ""
    method: str | None = None
    code: str = ""
    retry_after: float | None = None
    delay_s: float = 0.0  # wait this long first (a slow answer); status 0 means then answer normally
    drop: bool = False  # do the work, then drop the connection mid-answer (a reset as the client sees it)

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.path in path and (self.method is None or self.method == method)


@dataclass(frozen=True)
class Call:
    """One request the sandbox answered."""

    method: str
    path: str
    status: int
    query: str = ""  # the raw query string (SOQL and Zoho's field lists travel in it), for tests to inspect


@dataclass
class CallLog:
    """Every call in order; thread-safe."""

    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def count(self, method: str | None = None, path: str = "") -> int:
        """Calls with this method (any when None) whose path contains `path`."""
        with self._lock:
            return sum(1 for c in self.calls if (method is None or c.method == method) and path in c.path)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


class FaultPlan:
    """Faults queued by tests and consumed by calls, plus constant added latency."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.latency_s = 0.0  # added to every call, as a remote CRM would

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.latency_s = 0.0

    def take(self, method: str, path: str) -> Fault | None:
        """The first queued fault matching this call, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None


class FaultMiddleware:
    """ASGI middleware: record the call, apply latency and queued faults, else pass through."""

    def __init__(
        self,
        app: ASGIApp,
        plan: FaultPlan,
        log: CallLog,
        error_body: ErrorBody,
        exempt: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.app = app
        self.plan = plan
        self.log = log
        self.error_body = error_body
        self.exempt = exempt  # control endpoints used by tests are neither counted nor faulted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        status_box: dict[str, int] = {"status": 0}

        async def recording_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
            await send(message)

        if self.plan.latency_s:
            await asyncio.sleep(self.plan.latency_s)
        fault = self.plan.take(method, path)
        if fault is not None and fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault is not None and fault.drop:
            await self.app(scope, receive, _swallow)
            await _drop_mid_body(recording_send)
        elif fault is not None and fault.status:
            response = self.error_body(fault.status, fault.code)
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(int(fault.retry_after))
            await response(scope, receive, recording_send)
        else:
            await self.app(scope, receive, recording_send)
        self.log.add(Call(method, path, status_box["status"], scope.get("query_string", b"").decode("latin-1")))


async def _swallow(message: MutableMapping[str, Any]) -> None:
    """The answer the emulator produced, lost on the way."""


async def _drop_mid_body(send: Send) -> None:
    """Promise a body, send part of it and stop: uvicorn closes the connection, as after a reset."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4096")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})


async def read_body(request: Request, limit: int = 50 * 1024 * 1024) -> bytes:
    """The request body, refusing absurd sizes the real CRMs would also refuse."""
    body = await request.body()
    if len(body) > limit:
        raise ValueError("request body too large")
    return body


Handler = Callable[[Request], Awaitable[Response]]
