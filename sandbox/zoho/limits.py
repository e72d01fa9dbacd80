"""API credits over a rolling 24 hours and the concurrency limit, both answered with 429.

Zoho weighs calls in credits: most cost 1, insert/update 1 per 10 records, COQL 1/2/3 for
LIMIT 1–200/201–1000/1001–2000, the deleted-records list 2 [zoho.md §2.2, §2.4, §2.8]. Past the
daily budget, or past the simultaneous-call limit, Zoho answers HTTP 429; the body code
`TOO_MANY_REQUESTS` is the one Zoho's v8 OAS uses for 429 (`apis` examples).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.faults import Call, CallLog
from sandbox.zoho.clock import Clock
from sandbox.zoho.errors import ZohoError, error_entry

DAY_S = 86400
CREDITS_MESSAGE = "The number of API requests for the 24 hour period is exceeded"
CONCURRENCY_MESSAGE = "The concurrency limit of the user for the app is exceeded"


def write_credits(records: int) -> int:
    """Insert/update cost: one credit per ten records."""
    return max(1, math.ceil(records / 10))


def coql_credits(limit: int) -> int:
    """COQL cost by its LIMIT."""
    return 1 if limit <= 200 else 2 if limit <= 1000 else 3


class Budget:
    """Credits spent in the last 24 h against an optional daily limit."""

    def __init__(self, clock: Clock, daily_credits: int | None = None, concurrency: int | None = None) -> None:
        self.clock = clock
        self.daily_credits = daily_credits
        self.concurrency = concurrency
        self._ledger: deque[tuple[int, int]] = deque()
        self._lock = threading.Lock()
        self.in_flight = 0

    def used(self) -> int:
        """Credits spent in the rolling 24-hour window."""
        with self._lock:
            self._expire()
            return sum(credits for _, credits in self._ledger)

    def _expire(self) -> None:
        cutoff = self.clock.epoch() - DAY_S
        while self._ledger and self._ledger[0][0] <= cutoff:
            self._ledger.popleft()

    def charge(self, credits: int) -> None:
        """Spend credits for a call, or raise the 429 Zoho sends once the day's credits are gone."""
        with self._lock:
            self._expire()
            spent = sum(c for _, c in self._ledger)
            if self.daily_credits is not None and spent + credits > self.daily_credits:
                details = {"limit": self.daily_credits, "used": spent}
                raise ZohoError(429, "TOO_MANY_REQUESTS", details, CREDITS_MESSAGE)
            self._ledger.append((self.clock.epoch(), credits))

    def reset(self) -> None:
        """Forget spent credits."""
        with self._lock:
            self._ledger.clear()


class ConcurrencyGate:
    """ASGI middleware: refuse API calls beyond the simultaneous-call limit with 429."""

    def __init__(self, app: ASGIApp, budget: Budget, log: CallLog) -> None:
        self.app = app
        self.budget = budget
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/crm/"):
            await self.app(scope, receive, send)
            return
        limit = self.budget.concurrency
        if limit is not None and self.budget.in_flight >= limit:
            body: Any = error_entry("TOO_MANY_REQUESTS", {"limit": limit}, CONCURRENCY_MESSAGE)
            await JSONResponse(body, status_code=429)(scope, receive, send)
            self.log.add(Call(scope["method"], scope["path"], 429))
            return
        self.budget.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.budget.in_flight -= 1
