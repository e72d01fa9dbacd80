"""The org's API allowance as Salesforce reports it in `Sforce-Limit-Info`, and our share of it.

Every REST and Bulk response carries `api-usage=used/limit` (org-wide, this call included). A
response hook on the session reads it, so Bulk 2.0 calls (which bypass simple-salesforce's own
parsing) count too. Before each call the connector asks `check()`: once used/limit reaches
`api_budget_share` the run stops cleanly instead of eating the org's allowance (airbyte#8690).
"""

from __future__ import annotations

import re
import threading
from typing import Any

import requests

from connectors.errors import BudgetExhausted

_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


def parse_limit_info(header: str) -> tuple[int, int] | None:
    """(used, limit) from `api-usage=18/5000; per-app-api-usage=...`, or None when absent."""
    match = _USAGE.search(header or "")
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


class ApiBudget:
    """Last reported org usage, calls counted by this process, and the share we may use."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.used: int | None = None
        self.limit: int | None = None
        self.calls = 0
        self._lock = threading.Lock()

    def on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Session response hook: count the exchange and remember the reported usage."""
        reported = parse_limit_info(response.headers.get("Sforce-Limit-Info", ""))
        with self._lock:
            self.calls += 1
            if reported is not None:
                self.used, self.limit = reported

    def reached(self) -> bool:
        """Whether the org-wide usage has reached our share of the limit."""
        with self._lock:
            if self.used is None or not self.limit:
                return False
            return self.used / self.limit >= self.share

    def check(self, what: str) -> None:
        """Raise BudgetExhausted before a call once the share is used up."""
        if self.reached():
            raise BudgetExhausted(
                f"Salesforce API budget reached before {what}: the org has used {self.used} of {self.limit} "
                f"daily calls, at or above api_budget_share={self.share:g}; resuming on a later run"
            )
