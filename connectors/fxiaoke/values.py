"""Field values between Fxiaoke's wire formats and the plain values the engine maps.

Wire formats (reference fxiaoke.md §2 "Field value formats"): number and currency as strings, date
and date-time as epoch milliseconds (a date is midnight in the tenant's zone, GMT+8), select_one the
option's code, employee and department fields lists even when single, booleans as JSON booleans, a
lookup the target's `_id`. Reads turn dates into ISO text in the tenant's zone (so an invoice keeps
the calendar day its user meant) and single-valued lists into their value; write-back fields,
which crm-credit owns, are read and written by option label.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.fxiaoke.schema import FxField

NUMERIC = frozenset({"number", "currency", "percentile"})
TEXTUAL = frozenset({"text", "long_text"})
LISTS = frozenset({"employee", "department", "select_many"})
Reader = Callable[[Any], Any]


def epoch_ms(value: Any) -> int | None:
    """An epoch-milliseconds value (a JSON number or digit string); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _instant(field: FxField, value: Any) -> datetime | None:
    ms = epoch_ms(value)
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).astimezone(field.zone)


def reader(field: FxField, by_label: bool = False) -> Reader:
    """How one field's wire value becomes a plain value."""
    kind = field.type
    if kind == "date":
        return lambda v: moment.date().isoformat() if (moment := _instant(field, v)) else _blank(v)
    if kind == "date_time":
        return lambda v: moment.isoformat(timespec="milliseconds") if (moment := _instant(field, v)) else _blank(v)
    if kind in LISTS:
        return _joined
    if kind == "select_one" and by_label:
        return lambda v: (field.label_of(v) or v) if isinstance(v, str) else v
    return _same


def _same(value: Any) -> Any:
    return value


def _blank(value: Any) -> Any:
    return None if value in ("", None) else value


def _joined(value: Any) -> Any:
    if isinstance(value, list):
        items = [str(v) for v in value if v not in (None, "")]
        return ",".join(items) if items else None
    return value


class NotWritable(ValueError):
    """A write-back value the field cannot take; the reason is safe to show."""


def to_wire(field: FxField, value: Any) -> Any:
    """A write-back value in the field's wire format, or NotWritable saying why not."""
    if value is None:
        return None
    kind = field.type
    if kind in NUMERIC:
        return _number_text(field, value)
    if kind in TEXTUAL:
        text = str(value)
        if field.max_length is not None and len(text) > field.max_length:
            raise NotWritable(f"{len(text)} characters, the field holds {field.max_length}")
        return text
    if kind in ("date", "date_time"):
        return _ms(field, value)
    if kind == "select_one":
        code = field.value_of(str(value))
        if code is None:
            raise NotWritable(f"{value!r} is not an option of {field.label} (add it in the admin console)")
        return code
    if kind == "true_or_false" and isinstance(value, bool):
        return value
    raise NotWritable(f"crm-credit does not write {kind} fields")


def _number_text(field: FxField, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise NotWritable(f"{value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise NotWritable(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise NotWritable(f"{value!r} is not a finite number")
    return format(number, "f")


def _ms(field: FxField, value: Any) -> int:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        # A date is stored as midnight of that day in the tenant's zone.
        moment = datetime(value.year, value.month, value.day, tzinfo=field.zone)
    else:
        raise NotWritable(f"{value!r} is not a date")
    return int(moment.timestamp() * 1000)
