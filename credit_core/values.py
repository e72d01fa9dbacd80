"""Parsers from raw CRM values to canonical ones; each raises `BadValue` with a reason in plain words.

`credit_core.records` wraps `BadValue` into a `RecordError` that also names the record and the field.
Fast paths come first (exact types), because sync parses a million invoices per full run.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from credit_core.currencies import ISO_4217

# The core computes in Decimal's default 28 digits and quantizes exposures to the cent: an amount of
# 10^15 or more (beyond the largest CRM currency field, 16 digits before the point) could overflow
# that when summed, and is a typing slip rather than an invoice.
MAX_MONEY = Decimal(10) ** 15
TOO_LARGE = "amount too large (at least 10^15)"
MAX_ID_CHARS = 128  # Zoho's 19 digits and Fxiaoke's 24 hex characters fit many times over


class BadValue(Exception):
    """One raw value that cannot become a canonical one; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def money(raw: Any) -> Decimal | None:
    """A money amount from Decimal, int or a numeric string; floats are refused (they lose cents)."""
    kind = type(raw)
    if kind is Decimal:
        if raw.is_finite():
            if -MAX_MONEY < raw < MAX_MONEY:
                return raw  # type: ignore[no-any-return]
            raise BadValue(TOO_LARGE)
        raise BadValue("not a finite amount")
    if kind is str:
        try:
            value = Decimal(raw)  # Decimal itself ignores surrounding blanks
        except InvalidOperation:
            if not raw.strip():
                return None
            raise BadValue("not a number") from None
        if not value.is_finite():
            raise BadValue("not a finite amount")
        if not -MAX_MONEY < value < MAX_MONEY:
            raise BadValue(TOO_LARGE)
        return value
    if kind is int:
        if -MAX_MONEY < raw < MAX_MONEY:
            return Decimal(raw)
        raise BadValue(TOO_LARGE)
    if raw is None:
        return None
    return _money_slow(raw)


def _money_slow(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise BadValue("a yes/no value is not money")
    if isinstance(raw, float):
        raise BadValue("float money is refused (it loses cents); pass Decimal(str(x))")
    if isinstance(raw, Decimal):
        return money(Decimal(raw)) or Decimal(0)
    if isinstance(raw, int):  # an int subclass (numpy's, a CRM SDK's)
        return money(Decimal(int(raw))) or Decimal(0)
    raise BadValue(f"not money ({type(raw).__name__})")


def day(raw: Any) -> date | None:
    """A calendar date from a date, a datetime (its own calendar day) or an ISO 8601 string."""
    kind = type(raw)
    if kind is date:
        return raw  # type: ignore[no-any-return]
    if kind is str:
        if len(raw) == 10:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        text = raw.strip()
        if not text:
            return None
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            # A CRM datetime keeps the day its user meant in its own offset; converting to UTC first
            # would move an invoice dated "2026-01-31T00:00+08:00" to January 30.
            return datetime.fromisoformat(text).date()
        except ValueError:
            raise BadValue("not an ISO 8601 date") from None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return date(raw.year, raw.month, raw.day)
    if raw is None:
        return None
    raise BadValue(f"not a date ({type(raw).__name__})")


def day_or_year(raw: Any) -> date | None:
    """A date, or a bare year (Salesforce's `YearStarted` is a 4-character text) taken as 1 January."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 1000 <= raw <= 9999:
        return date(raw, 1, 1)
    if isinstance(raw, str) and len(raw.strip()) == 4 and raw.strip().isdigit():
        return date(int(raw.strip()), 1, 1)
    return day(raw)


def whole(raw: Any) -> int | None:
    """A whole number from int, an integral Decimal/float or a numeric string ("72", "72.0")."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise BadValue("a yes/no value is not a number")
    if isinstance(raw, int):
        return int(raw)
    if isinstance(raw, str):
        if not raw.strip():
            return None
        try:
            raw = Decimal(raw.strip())
        except InvalidOperation:
            raise BadValue("not a number") from None
    if isinstance(raw, float | Decimal):
        if not math.isfinite(raw) or raw != int(raw):
            raise BadValue("not a whole number")
        return int(raw)
    raise BadValue(f"not a number ({type(raw).__name__})")


def text(raw: Any) -> str | None:
    """A text value; an empty string is no value, a whole number becomes its digits."""
    if type(raw) is str:
        return raw if raw else None
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise BadValue("a yes/no value where text is expected")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, str):
        return str(raw) or None
    raise BadValue(f"not text ({type(raw).__name__})")


def crm_id(raw: Any) -> str | None:
    """A reference to another CRM record: text of at most MAX_ID_CHARS printable characters.

    A lookup is only ever an id the CRM made; a control character (a NUL, which PostgreSQL cannot
    store, or a line break, which would split a log line) or a novel-length value is a typing slip.
    """
    value = text(raw)
    if value is None:
        return None
    if len(value) > MAX_ID_CHARS:
        raise BadValue(f"not a CRM id (longer than {MAX_ID_CHARS} characters)")
    if not value.isprintable():
        raise BadValue("not a CRM id (it holds a control or invisible character)")
    return value


def currency(raw: Any) -> str | None:
    """An ISO 4217 code ("usd " becomes "USD"); anything else is refused."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise BadValue("not a currency code")
    code = raw.strip().upper()
    if not code:
        return None
    if code not in ISO_4217:
        raise BadValue("unknown ISO 4217 currency")
    return code


def choice(raw: Any, allowed: tuple[str, ...]) -> str | None:
    """One of `allowed` (case and surrounding blanks ignored)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise BadValue(f"not one of {', '.join(allowed)}")
    value = raw.strip().lower()
    if not value:
        return None
    if value not in allowed:
        raise BadValue(f"unknown status (expected one of {', '.join(allowed)})")
    return value
