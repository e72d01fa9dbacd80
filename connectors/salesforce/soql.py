"""SOQL text built only from validated pieces: names checked against describe, ids checked for shape,
literals in the forms the SOQL reference documents. Nothing from input or mapping is pasted raw.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from connectors.base import Cursor, Window
from connectors.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_ID_CHARS = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
# A REST query travels in the URL; Salesforce answers 414 above ~16 KB, so IN lists are cut well
# below that (the 100,000-character SOQL limit is never the binding one for a GET).
MAX_SOQL_CHARS = 10_000
STAMP = "SystemModstamp"


def checked_name(name: object, what: str = "name") -> str:
    """An object or field API name, refused unless it has the shape Salesforce allows (no quotes,
    spaces or punctuation can reach a query through it)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{name!r} is not a valid Salesforce {what}")
    return name


class _CaseFlags(dict[int, str]):
    """str.translate table: "1" for an upper-case ASCII letter, "0" for any other character."""

    def __missing__(self, key: int) -> str:
        return "0"


_CASE_FLAGS = _CaseFlags({ord(ch): "1" if "A" <= ch <= "Z" else "0" for ch in string.ascii_letters + string.digits})


def id_suffix(id15: str) -> str:
    """The three case-checksum characters Salesforce appends to a 15-character id."""
    # Character i of each group of five is bit i; reversed, a group's flags read as a binary number.
    # (A fetch checks every id several times: this was most of the CPU of building a 50-id query.)
    flags = id15.translate(_CASE_FLAGS)
    groups = (flags[4::-1], flags[9:4:-1], flags[14:9:-1])
    return "".join(_SUFFIX[int(group or "0", 2)] for group in groups)


def is_record_id(value: object) -> bool:
    """True for a 15-character id, or an 18-character id whose checksum suffix matches."""
    if not isinstance(value, str) or not _ID_CHARS.match(value):
        return False
    return len(value) == 15 or value[15:].upper() == id_suffix(value[:15])


def to18(record_id: str) -> str:
    """The case-insensitive 18-character form the REST API returns."""
    if not is_record_id(record_id):
        raise ValueError(f"{record_id!r} is not a Salesforce record id")
    # A valid 18-character id's suffix is its checksum in some case (is_record_id compared them).
    suffix = record_id[15:].upper() if len(record_id) == 18 else id_suffix(record_id)
    return record_id[:15] + suffix


def quote_id(record_id: str) -> str:
    """An id as a SOQL string literal (validated, so it needs no escaping)."""
    return f"'{to18(record_id)}'"


def quote_string(value: str) -> str:
    """A SOQL string literal with the escapes the SOQL reference lists."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f"'{escaped}'"


def datetime_literal(moment: datetime) -> str:
    """`YYYY-MM-DDThh:mm:ssZ`, the documented dateTime form (whole seconds, UTC)."""
    if moment.tzinfo is None:
        raise ValueError("a SOQL dateTime needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def floor_second(moment: datetime) -> datetime:
    """The instant cut to its whole second."""
    return moment.replace(microsecond=0)


def ceil_second(moment: datetime) -> datetime:
    """The next whole second, unless already whole."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def window_clause(window: Window) -> str:
    """`SystemModstamp` bounds of a window, resuming strictly after its cursor.

    Salesforce keeps stamps in whole seconds, so `stamp < end` is `stamp < ceil(end)` and
    `stamp >= start` is `stamp >= floor(start)`: the literals lose nothing to rounding.
    """
    parts = []
    if window.after is not None:
        parts.append(after_clause(window.after))
    elif window.start is not None:
        parts.append(f"{STAMP} >= {datetime_literal(floor_second(window.start))}")
    parts.append(f"{STAMP} < {datetime_literal(ceil_second(window.end))}")
    return " AND ".join(parts)


def after_clause(after: Cursor) -> str:
    """Rows strictly after (stamp, Id); a sub-second stamp falls back to `>=` (the caller filters)."""
    stamp = datetime_literal(floor_second(after.stamp))
    if after.stamp.microsecond or not is_record_id(after.crm_id):
        return f"{STAMP} >= {stamp}"
    return f"({STAMP} > {stamp} OR ({STAMP} = {stamp} AND Id > {quote_id(after.crm_id)}))"


def select(fields: Sequence[str], sobject: str, where: str = "", order: str = "") -> str:
    """A SELECT statement from already-checked names."""
    text = f"SELECT {', '.join(fields)} FROM {sobject}"  # noqa: S608  names checked, literals quoted by this module
    if where:
        text += f" WHERE {where}"
    if order:
        text += f" ORDER BY {order}"
    return text


def id_chunks(ids: Sequence[str], room: int) -> Iterator[list[str]]:
    """Valid ids in groups whose quoted IN list fits in `room` characters (invalid ids are skipped)."""
    chunk: list[str] = []
    used = 0
    for record_id in ids:
        if not is_record_id(record_id):
            continue
        cost = 21  # 'xxxxxxxxxxxxxxxxxx',
        if chunk and used + cost > room:
            yield chunk
            chunk, used = [], 0
        chunk.append(record_id)
        used += cost
    if chunk:
        yield chunk


def in_list(ids: Sequence[str]) -> str:
    """`('id1','id2')` of validated ids."""
    return "(" + ",".join(quote_id(i) for i in ids) + ")"
