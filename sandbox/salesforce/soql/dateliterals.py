"""SOQL's relative date literals (TODAY, LAST_N_DAYS:n, ...) as half-open date ranges.

The org's time zone is GMT, so a literal's days are UTC days; weeks start on Sunday (en_US).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta


def _month_start(day: date, shift: int = 0) -> date:
    month = day.year * 12 + day.month - 1 + shift
    return date(month // 12, month % 12 + 1, 1)


def _quarter_start(day: date, shift: int = 0) -> date:
    return _month_start(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), 3 * shift)


def _week_start(day: date, shift: int = 0) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7) + timedelta(weeks=shift)


def _fixed(name: str, today: date) -> tuple[date, date] | None:
    one = timedelta(days=1)
    table: dict[str, Callable[[], tuple[date, date]]] = {
        "TODAY": lambda: (today, today + one),
        "YESTERDAY": lambda: (today - one, today),
        "TOMORROW": lambda: (today + one, today + 2 * one),
        "THIS_WEEK": lambda: (_week_start(today), _week_start(today, 1)),
        "LAST_WEEK": lambda: (_week_start(today, -1), _week_start(today)),
        "NEXT_WEEK": lambda: (_week_start(today, 1), _week_start(today, 2)),
        "THIS_MONTH": lambda: (_month_start(today), _month_start(today, 1)),
        "LAST_MONTH": lambda: (_month_start(today, -1), _month_start(today)),
        "NEXT_MONTH": lambda: (_month_start(today, 1), _month_start(today, 2)),
        "THIS_QUARTER": lambda: (_quarter_start(today), _quarter_start(today, 1)),
        "LAST_QUARTER": lambda: (_quarter_start(today, -1), _quarter_start(today)),
        "NEXT_QUARTER": lambda: (_quarter_start(today, 1), _quarter_start(today, 2)),
        "THIS_YEAR": lambda: (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": lambda: (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": lambda: (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_90_DAYS": lambda: (today - 90 * one, today + one),
        "NEXT_90_DAYS": lambda: (today + one, today + 91 * one),
    }
    make = table.get(name)
    return make() if make is not None else None


def _counted(name: str, n: int, today: date) -> tuple[date, date] | None:
    one = timedelta(days=1)
    table: dict[str, Callable[[], tuple[date, date]]] = {
        "LAST_N_DAYS": lambda: (today - n * one, today + one),
        "NEXT_N_DAYS": lambda: (today + one, today + (n + 1) * one),
        "N_DAYS_AGO": lambda: (today - n * one, today - (n - 1) * one),
        "LAST_N_WEEKS": lambda: (_week_start(today, -n), _week_start(today)),
        "NEXT_N_WEEKS": lambda: (_week_start(today, 1), _week_start(today, n + 1)),
        "N_WEEKS_AGO": lambda: (_week_start(today, -n), _week_start(today, -n + 1)),
        "LAST_N_MONTHS": lambda: (_month_start(today, -n), _month_start(today)),
        "NEXT_N_MONTHS": lambda: (_month_start(today, 1), _month_start(today, n + 1)),
        "N_MONTHS_AGO": lambda: (_month_start(today, -n), _month_start(today, -n + 1)),
        "LAST_N_YEARS": lambda: (date(today.year - n, 1, 1), date(today.year, 1, 1)),
        "NEXT_N_YEARS": lambda: (date(today.year + 1, 1, 1), date(today.year + n + 1, 1, 1)),
        "N_YEARS_AGO": lambda: (date(today.year - n, 1, 1), date(today.year - n + 1, 1, 1)),
    }
    make = table.get(name)
    return make() if make is not None else None


def date_range(name: str, n: int | None, today: date | None = None) -> tuple[date, date] | None:
    """[start, end) of a date literal, or None when Salesforce has no such literal."""
    today = today or datetime.now(UTC).date()
    try:
        return _fixed(name, today) if n is None else _counted(name, n, today)
    except (ValueError, OverflowError):
        return None  # n reaches past the calendar
