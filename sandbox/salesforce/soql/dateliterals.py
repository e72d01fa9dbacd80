"""SOQL's relative date literals (TODAY, LAST_N_DAYS:n, ...) as half-open date ranges.

The org's time zone is GMT, so a literal's days are UTC days; weeks start on Sunday (en_US).
"""

from __future__ import annotations

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
    table = {
        "TODAY": (today, today + one),
        "YESTERDAY": (today - one, today),
        "TOMORROW": (today + one, today + 2 * one),
        "THIS_WEEK": (_week_start(today), _week_start(today, 1)),
        "LAST_WEEK": (_week_start(today, -1), _week_start(today)),
        "NEXT_WEEK": (_week_start(today, 1), _week_start(today, 2)),
        "THIS_MONTH": (_month_start(today), _month_start(today, 1)),
        "LAST_MONTH": (_month_start(today, -1), _month_start(today)),
        "NEXT_MONTH": (_month_start(today, 1), _month_start(today, 2)),
        "THIS_QUARTER": (_quarter_start(today), _quarter_start(today, 1)),
        "LAST_QUARTER": (_quarter_start(today, -1), _quarter_start(today)),
        "NEXT_QUARTER": (_quarter_start(today, 1), _quarter_start(today, 2)),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_90_DAYS": (today - 90 * one, today + one),
        "NEXT_90_DAYS": (today + one, today + 91 * one),
    }
    return table.get(name)


def _counted(name: str, n: int, today: date) -> tuple[date, date] | None:
    one = timedelta(days=1)
    table = {
        "LAST_N_DAYS": (today - n * one, today + one),
        "NEXT_N_DAYS": (today + one, today + (n + 1) * one),
        "N_DAYS_AGO": (today - n * one, today - (n - 1) * one),
        "LAST_N_WEEKS": (_week_start(today, -n), _week_start(today)),
        "NEXT_N_WEEKS": (_week_start(today, 1), _week_start(today, n + 1)),
        "N_WEEKS_AGO": (_week_start(today, -n), _week_start(today, -n + 1)),
        "LAST_N_MONTHS": (_month_start(today, -n), _month_start(today)),
        "NEXT_N_MONTHS": (_month_start(today, 1), _month_start(today, n + 1)),
        "N_MONTHS_AGO": (_month_start(today, -n), _month_start(today, -n + 1)),
        "LAST_N_YEARS": (date(today.year - n, 1, 1), date(today.year, 1, 1)),
        "NEXT_N_YEARS": (date(today.year + 1, 1, 1), date(today.year + n + 1, 1, 1)),
        "N_YEARS_AGO": (date(today.year - n, 1, 1), date(today.year - n + 1, 1, 1)),
    }
    return table.get(name)


def date_range(name: str, n: int | None, today: date | None = None) -> tuple[date, date] | None:
    """[start, end) of a date literal, or None when Salesforce has no such literal."""
    today = today or datetime.now(UTC).date()
    return _fixed(name, today) if n is None else _counted(name, n, today)
