"""Zoho's JSON values in and out: lookups, datetimes with offsets, ids, and write-back values.

Zoho renders lookups as `{"name", "id"}` (Owner adds `email`; COQL through a join only `{"id"}`),
datetimes as ISO 8601 with the API user's offset to the second (`2026-11-28T10:04:10+05:30`), and
ids as 18–19 digit strings [zoho.md §2.1]. Connectors hand the engine plain values: a lookup is its
id, a datetime an aware UTC `datetime` (so an echo read compares equal to what we wrote, whatever
the user's zone). Dates (`YYYY-MM-DD`) and numbers stay as Zoho sent them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.errors import ConfigError

_ID = re.compile(r"^[1-9][0-9]{0,19}$")
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$")
LOOKUP_TYPES = frozenset({"lookup", "ownerlookup", "userlookup"})
DATETIME_TYPES = frozenset({"datetime"})


def is_zoho_id(value: object) -> bool:
    """True for a record id as Zoho writes one: a digit string without a leading zero."""
    return isinstance(value, str) and bool(_ID.match(value))


def require_id(value: object) -> str:
    """The id itself, or ValueError: only digit strings ever reach a URL or a COQL query."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not is_zoho_id(text):
        raise ValueError(f"not a Zoho record id: {value!r}")
    return str(text)


def require_api_name(name: str, what: str = "API name") -> str:
    """A module or field API name safe in a path or a query, or ConfigError naming it."""
    if not _API_NAME.match(name):
        raise ConfigError(f"{what} {name!r} is not a Zoho API name (letters, digits, underscores)")
    return name


def parse_datetime(text: str) -> datetime:
    """A Zoho datetime (`2026-11-28T10:04:10+05:30`, also `Z` or `+0530`) as aware UTC."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    elif len(raw) > 5 and raw[-5] in "+-" and raw[-4:].isdigit():
        raw = raw[:-2] + ":" + raw[-2:]
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"datetime without an offset: {text!r}")
    return moment.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    """Zoho's datetime literal (`If-Modified-Since`, COQL, field values): seconds and a numeric offset."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Zoho needs an explicit offset")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def floor_second(moment: datetime) -> datetime:
    """The instant truncated to Zoho's one-second stamp resolution."""
    return moment.replace(microsecond=0)


def next_second(moment: datetime) -> datetime:
    """The first whole second after the one `moment` lies in."""
    return floor_second(moment) + timedelta(seconds=1)


def plain_value(value: Any, data_type: str | None) -> Any:
    """One field value as the engine wants it: lookup → id, datetime → aware UTC, the rest unchanged."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        # A lookup ({name, id}, or {id} through COQL); without metadata any object carrying an id.
        if data_type in LOOKUP_TYPES or data_type is None:
            found = value.get("id")
            return str(found) if found is not None else None
        return dict(value)
    if data_type in DATETIME_TYPES and isinstance(value, str) and value:
        return parse_datetime(value)
    if data_type is None and isinstance(value, str) and _DATETIME.match(value):
        return parse_datetime(value)
    return value


def plain_fields(row: Mapping[str, Any], names: list[str], types: Mapping[str, str]) -> dict[str, Any]:
    """The requested fields of a Zoho row, made plain; fields Zoho left out are None."""
    return {name: plain_value(row.get(name), types.get(name)) for name in names}


def write_value(value: Any) -> Any:
    """A write-back value as Zoho's JSON wants it: numbers as numbers, dates and datetimes as text."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float | str):
        return value
    if isinstance(value, Decimal):
        # Currency, double and percent fields take JSON numbers; integral values stay integers.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no Zoho form for a {type(value).__name__} value")
