"""The org's clock and its datetime format: ISO 8601 with the org's offset, to the second.

Zoho renders every datetime in the org's (user's) time zone with an explicit offset, e.g.
`2026-11-28T10:04:10+05:30` [zoho.md §2.1], and keeps no sub-second precision, so many records
share one `Modified_Time` and clients must break ties on `id`.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

# Zoho's datetime literals: seconds precision and a numeric offset (COQL is strict about it).
_STRICT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Clock:
    """Wall-clock time that tests can move forward (token expiry, throttles, channel expiry)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._frozen = start
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current instant, aware UTC."""
        with self._lock:
            base = self._frozen or datetime.now(UTC)
            return base + self._offset

    def epoch(self) -> int:
        """The current instant as whole epoch seconds (Zoho's precision)."""
        return int(self.now().timestamp())

    def advance(self, seconds: float) -> None:
        """Move time forward (or back with a negative number)."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)


class OrgTime:
    """Formats and parses datetimes the way the org's Zoho account does."""

    def __init__(self, zone: str = "Asia/Kolkata") -> None:
        self.zone_name = zone
        self.zone: tzinfo = ZoneInfo(zone)

    def format(self, epoch: int | None) -> str | None:
        """`2026-11-28T10:04:10+05:30` for an epoch second, None for None."""
        if epoch is None:
            return None
        return datetime.fromtimestamp(epoch, self.zone).isoformat(timespec="seconds")

    def format_dt(self, instant: datetime) -> str:
        """An aware datetime in the org's zone."""
        return instant.astimezone(self.zone).isoformat(timespec="seconds")


def parse_offset_datetime(text: str, strict: bool = False) -> int:
    """Epoch seconds of an ISO datetime with an explicit offset; ValueError when naive or malformed.

    `strict` accepts only `YYYY-MM-DDTHH:MM:SS±HH:MM` (COQL's documented form); otherwise any
    ISO 8601 instant with an offset or `Z` (the `If-Modified-Since` header).
    """
    if strict and not _STRICT.match(text):
        raise ValueError(f"not a Zoho datetime: {text!r}")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if parsed.tzinfo is None:
        raise ValueError(f"datetime without offset: {text!r}")
    return int(parsed.timestamp())


def is_date(text: object) -> bool:
    """True for a `YYYY-MM-DD` string that is a real date."""
    if not isinstance(text, str) or not _DATE.match(text):
        return False
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True
