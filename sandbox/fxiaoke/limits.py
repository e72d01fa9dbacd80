"""Fxiaoke's call limits: a window per interface, a throttled token call, a daily pack of calls.

Documented (reference fxiaoke.md §1 "Rate limits"): 100 calls / 20 s per interface, the token call
at most 10 a minute, and a daily total equal to the purchased packs (100,000 calls each), counted
from 00:00 China time. Throttling shows only as an errorCode, never as a header.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sandbox.fxiaoke.envelope import DAILY_QUOTA, NO_QUOTA_BOUGHT, FxError

Clock = Callable[[], float]  # seconds since the epoch, like time.time
CHINA = timezone(timedelta(hours=8))
DEFAULT_RATE = (100, 20.0)
TOKEN_RATE = (10, 60.0)
PACK_SIZE = 100_000


class ManualClock:
    """A clock tests move by hand, so token lifetimes and windows pass without sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


class SlidingWindow:
    """At most `limit` accepted calls per key within any `window_s` seconds."""

    def __init__(self, limit: int, window_s: float, clock: Clock) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def admit(self, key: str) -> bool:
        """Record a call under `key` if the window has room; False when it is full."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def reset(self) -> None:
        """Forget every recorded call."""
        with self._lock:
            self._hits.clear()


class DailyQuota:
    """The tenant's daily call pack; 0 means no pack was bought (every call answers 30003)."""

    def __init__(self, limit: int, clock: Clock) -> None:
        self.limit = limit
        self.clock = clock
        self.used = 0
        self._day = self._today()
        self._lock = threading.Lock()

    def _today(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).astimezone(CHINA).date().isoformat()

    def spend(self) -> None:
        """Count one call, or raise the documented code when the pack is empty."""
        with self._lock:
            if self.limit <= 0:
                raise FxError(NO_QUOTA_BOUGHT)
            today = self._today()
            if today != self._day:  # the count restarts at 00:00 China time
                self._day, self.used = today, 0
            if self.used >= self.limit:
                raise FxError(DAILY_QUOTA)
            self.used += 1
