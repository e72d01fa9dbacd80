"""Staying inside Fxiaoke's limits: a per-interface pacer and the daily-budget meter.

Fxiaoke throttles each interface to 100 calls / 20 s and the token call to 10 a minute, and shows
it only as an errorCode (no headers), so the client paces itself rather than learn from refusals.
The daily allowance is the tenant's purchased packs; Fxiaoke reports no usage, so calls are counted
in the store's rolling 24 h ledger, shared by every worker of the source.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from connectors.base import UsageLedger
from connectors.errors import BudgetExhausted

DAY = timedelta(hours=24)
_REFRESH_EVERY = 20  # calls between reads of the shared ledger (other workers spend too)


class Pacer:
    """At most `limit` calls per key in any `window_s`: waits (through `sleep`) for room, never refuses.

    A call counts from when its answer arrived: Fxiaoke admits it somewhere between our send and
    its answer, so timing from the send would let the next window open a little early at the gateway.
    """

    def __init__(self, limit: int, window_s: float, now: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.limit = limit
        self.window_s = window_s
        self.now = now
        self.sleep = sleep
        self._calls: dict[str, deque[list[float]]] = defaultdict(deque)  # per key: [time] of each call
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, key: str) -> Iterator[None]:
        """Wait until a call under `key` fits the window, make it, and count it from its end."""
        slot = self._reserve(key)
        try:
            yield
        finally:
            slot[0] = self.now()

    def _reserve(self, key: str) -> list[float]:
        with self._lock:
            calls = self._calls[key]
            now = self.now()
            while calls and calls[0][0] <= now - self.window_s:
                calls.popleft()
            if len(calls) >= self.limit:
                # One wait, not a loop: with an injected no-op sleep the clock may not move.
                self.sleep(calls[0][0] + self.window_s - now)
                calls.popleft()
            slot = [self.now()]
            calls.append(slot)
            return slot


class UsageMeter:
    """Business calls counted in the shared ledger; stops with BudgetExhausted at the budget share."""

    def __init__(
        self,
        source: str,
        ledger: UsageLedger | None,
        daily_limit: int,
        share: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.source = source
        self.ledger = ledger
        self.daily_limit = daily_limit
        self.budget = int(daily_limit * share)
        self.share = share
        self.clock = clock
        self.calls = 0  # by this process, since it started
        self._used: int | None = None  # last known 24 h total, plus our calls since
        self._since_refresh = 0
        self._lock = threading.Lock()

    def used(self) -> int:
        """Calls of the last 24 h as far as known (the ledger's count, or ours without a ledger)."""
        with self._lock:
            if self._used is None or self._since_refresh >= _REFRESH_EVERY:
                self._used = self._read_ledger()
                self._since_refresh = 0
            return self._used

    def _read_ledger(self) -> int:
        if self.ledger is None:
            return self.calls
        return self.ledger.calls_since(self.source, self.clock() - DAY)

    def before_call(self) -> None:
        """Refuse a call that would pass the budget share of the daily allowance."""
        used = self.used()
        if used + 1 > self.budget:
            raise BudgetExhausted(
                f"{self.source}: {used} of {self.daily_limit} daily Fxiaoke calls used in the last 24 h; "
                f"budget share {self.share:g} reached, resuming on a later run"
            )

    def count(self, n: int = 1) -> None:
        """Record `n` calls that reached Fxiaoke."""
        if n <= 0:
            return
        if self.ledger is not None:
            self.ledger.record_calls(self.source, n, self.clock())
        with self._lock:
            self.calls += n
            self._since_refresh += n
            if self._used is not None:
                self._used += n
