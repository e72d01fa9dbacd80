"""19-digit Zoho-style ids: an org prefix, a kind, then a sequence (sent as JSON strings).

Real ids look like `4150868000000224005` [zoho.md §2.1]; ids sort numerically in creation
order within a kind, which is what `sort_by=id` relies on.
"""

from __future__ import annotations

import threading

ORG_PREFIX = 4876543  # seven digits: the org part of every id
KIND_CODES: dict[str, int] = {
    "Users": 10,
    "Accounts": 20,
    "Invoices": 30,
    "Sales_Orders": 40,
    "Tasks": 50,
    "fields": 60,
    "modules": 70,
    "profiles": 80,
    "misc": 90,
}
_SEQUENCE = 10**10


def make_id(kind: str, n: int) -> int:
    """The id of the n-th object of a kind (n from 0)."""
    return (ORG_PREFIX * 100 + KIND_CODES[kind]) * _SEQUENCE + 1_000_000 + n


def parse_id(value: object) -> int | None:
    """An id sent as a string or a JSON number (SDKs send numbers), or None when malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isdigit() and len(value) <= 19:
        return int(value)
    return None


class IdAllocator:
    """Hands out fresh ids per kind after the seeded ones."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def reserve(self, kind: str, count: int) -> None:
        """Mark the first `count` ids of a kind as used by seeded data."""
        with self._lock:
            self._next[kind] = max(self._next.get(kind, 0), count)

    def allocate(self, kind: str) -> int:
        """A new id of this kind."""
        with self._lock:
            n = self._next.get(kind, 0)
            self._next[kind] = n + 1
        return make_id(kind, n)
