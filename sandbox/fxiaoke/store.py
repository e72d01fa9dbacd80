"""The tenant's records in memory, each a dict of field values exactly as the API carries them.

Money and numbers are strings, dates and instants epoch milliseconds, employee fields lists of CRM
employee ids. `last_modified_time` moves on every write, and never lags the previous value of the
same record, so a watermark on it always sees a change.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from sandbox.fxiaoke.limits import Clock

Record = dict[str, Any]


def record_id(seed: int, api_name: str, key: str) -> str:
    """A 24-hex-digit `_id` like Fxiaoke's, reproducible from the seed."""
    return hashlib.sha256(f"{seed}:{api_name}:{key}".encode()).hexdigest()[:24]


class Store:
    """Records per object, guarded by one lock shared by the API and the control calls."""

    def __init__(self, seed: int, clock: Clock) -> None:
        self.seed = seed
        self.clock = clock
        self._records: dict[str, dict[str, Record]] = {}
        self._created = 0
        self.lock = threading.RLock()

    def now_ms(self) -> int:
        """The clock in epoch milliseconds."""
        return int(self.clock() * 1000)

    def table(self, api_name: str) -> dict[str, Record]:
        """The live records of one object (callers hold the lock)."""
        return self._records.setdefault(api_name, {})

    def load(self, api_name: str, record: Record) -> None:
        """Put a rendered record in place as it is (seeding only)."""
        self.table(api_name)[record["_id"]] = record

    def new_id(self, api_name: str) -> str:
        """An id for a record created after seeding."""
        with self.lock:
            self._created += 1
            return record_id(self.seed, api_name, f"created:{self._created}")

    def get(self, api_name: str, object_id: str) -> Record | None:
        """A copy of one record, or None when it does not exist (or was deleted)."""
        with self.lock:
            record = self._records.get(api_name, {}).get(object_id)
            return dict(record) if record is not None else None

    def touch(self, record: Record, actor: str) -> None:
        """Stamp a write: `last_modified_time` moves forward, `last_modified_by` is the actor."""
        previous = int(record.get("last_modified_time") or 0)
        record["last_modified_time"] = max(self.now_ms(), previous + 1)
        record["last_modified_by"] = [actor]

    def remove(self, api_name: str, object_id: str) -> None:
        """Delete a record for good."""
        with self.lock:
            self._records.get(api_name, {}).pop(object_id, None)

    def ids(self, api_name: str) -> list[str]:
        """Ids of the records of one object, in `_id` order."""
        with self.lock:
            return sorted(self._records.get(api_name, {}))

    def snapshot(self, api_name: str) -> list[Record]:
        """The records of one object as they are now (shared dicts: read them, do not change them)."""
        with self.lock:
            return list(self._records.get(api_name, {}).values())
