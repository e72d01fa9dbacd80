"""API credits as Zoho weighs them, counted over a rolling 24 h, with a clean stop at our share.

Zoho sends no usage header: an org has a daily credit allowance (`api_daily_limit`) and every call
costs credits — most 1, a deleted-records list 2, an update 1 per 10 records, COQL 1/2/3 for
LIMIT ≤200/≤1000/≤2000 [zoho.md §2.2, §2.4, §2.8]. The meter checks our rolling 24 h spend before
each call and raises `BudgetExhausted` when the call would pass `api_budget_share` of the
allowance, so the engine keeps its checkpoint and stops cleanly instead of meeting Zoho's 429.
Counts live in the store's usage ledger, shared by every process of the source.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from connectors.base import UsageLedger
from connectors.errors import BudgetExhausted

DAY = timedelta(hours=24)


def list_credits() -> int:
    """A list, single-record, fields-metadata or watch call."""
    return 1


def deleted_credits() -> int:
    """The deleted-records list."""
    return 2


def update_credits(records: int) -> int:
    """Insert/update/upsert: one credit per ten records."""
    return max(1, math.ceil(records / 10))


def coql_credits(limit: int) -> int:
    """A COQL query by its LIMIT."""
    return 1 if limit <= 200 else 2 if limit <= 1000 else 3


class CreditMeter:
    """Rolling 24 h credit spend of one source against its budget share."""

    def __init__(
        self,
        source: str,
        daily_limit: int,
        share: float,
        ledger: UsageLedger | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.source = source
        self.daily_limit = daily_limit
        self.share = share
        self.ledger = ledger
        self.clock = clock
        self.spent = 0  # credits this meter recorded (this process)
        self._local: list[tuple[datetime, int]] = []  # kept only without a ledger
        self._lock = threading.Lock()

    @property
    def budget(self) -> int:
        """Credits we may spend in any 24 h."""
        return math.floor(self.daily_limit * self.share)

    def used(self) -> int:
        """Credits spent by this source in the last 24 h (all processes, when a ledger is shared)."""
        since = self.clock() - DAY
        if self.ledger is not None:
            return self.ledger.calls_since(self.source, since)
        with self._lock:
            self._local = [(at, n) for at, n in self._local if at >= since]
            return sum(n for _, n in self._local)

    def reserve(self, credits: int) -> None:
        """Raise BudgetExhausted when spending `credits` more would pass our share of the allowance."""
        if self.daily_limit <= 0:
            return
        used = self.used()
        if used + credits > self.budget:
            raise BudgetExhausted(
                f"Zoho credit budget reached: {used} of {self.budget} credits used in 24 h "
                f"(api_budget_share {self.share:g} of api_daily_limit {self.daily_limit})"
            )

    def record(self, credits: int) -> None:
        """Count credits Zoho billed for one answered call."""
        now = self.clock()
        with self._lock:
            self.spent += credits
            if self.ledger is None:
                self._local.append((now, credits))
        if self.ledger is not None:
            self.ledger.record_calls(self.source, credits, now)
