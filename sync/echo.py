"""The echo ledger: the last value crm-credit wrote to, or read from, each write-back field.

A value is only sent when it differs from what the CRM is known to hold, so an unchanged re-run
writes nothing, and a notification caused by our own write (the CRM bumps the record's stamp)
changes nothing here and triggers no second write (margince#236, MinnPost#445). A read that differs
from our last write is a CRM-side edit of a field crm-credit owns: it is audited, then overwritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.store.among import among
from sync.store.codec import from_stamp, to_stamp
from sync.store.records import chunks, upsert_many
from sync.store.schema import audit, echo_ledger


def normalise(value: Any) -> str | None:
    """A comparable text form: 50000, 50000.0 and "50000.00" are equal; "" and None are equal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return _number_text(Decimal(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").strip()
    if not text:
        return None
    if text[0] in "+-.0123456789":
        try:
            return _number_text(Decimal(text))
        except InvalidOperation:
            return text
    return text


def _number_text(number: Decimal) -> str:
    if not number.is_finite():
        return str(number)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What the CRM is known to hold in one field, and whether we wrote or read it."""

    value: str | None
    origin: str  # written | read
    at: datetime


_c = echo_ledger.c
_LEDGER_OF = sa.select(_c.crm_id, _c.field, _c.value, _c.origin, _c.at).where(
    _c.source == sa.bindparam("source"), among(_c.crm_id, "crm_ids")
)


def load_ledger(conn: Connection, source: str, crm_ids: Iterable[str]) -> dict[str, dict[str, LedgerEntry]]:
    """Ledger entries by account and CRM field."""
    found: dict[str, dict[str, LedgerEntry]] = {}
    instants: dict[str, datetime] = {}  # a push writes a whole batch at one instant: parse each stamp once
    for chunk in chunks(list(dict.fromkeys(crm_ids)), 500):
        rows = conn.execute(_LEDGER_OF, {"source": source, "crm_ids": list(chunk)}).all()  # fetchall: not row by row
        for crm_id, field, value, origin, at in rows:
            moment = instants.get(at)
            if moment is None:
                moment = instants[at] = from_stamp(at)
            found.setdefault(crm_id, {})[field] = LedgerEntry(value, origin, moment)
    return found


def save_ledger(
    conn: Connection, source: str, crm_id: str, values: Mapping[str, str | None], origin: str, now: datetime
) -> None:
    """Remember normalised values of one account's fields as written or read."""
    save_ledger_many(conn, source, [(crm_id, field, value) for field, value in values.items()], origin, now)


def save_ledger_many(
    conn: Connection, source: str, entries: Sequence[tuple[str, str, str | None]], origin: str, now: datetime
) -> None:
    """Remember (crm_id, field, normalised value) entries as written or read, in one statement."""
    stamp = to_stamp(now)
    rows = [
        {"source": source, "crm_id": crm_id, "field": field, "value": value, "origin": origin, "at": stamp}
        for crm_id, field, value in entries
    ]
    upsert_many(conn, echo_ledger, ["source", "crm_id", "field"], rows, ["value", "origin", "at"])


def record_reads(
    conn: Connection, source: str, reads: Mapping[str, Mapping[str, Any]], now: datetime, trigger: str = "sync"
) -> int:
    """Note what a pull saw in the write-back fields; audit CRM-side edits of our values; return how many."""
    if not reads:
        return 0
    ledger = load_ledger(conn, source, reads)
    edits = 0
    changed: list[tuple[str, str, str | None]] = []
    for crm_id, fields in reads.items():
        known = ledger.get(crm_id, {})
        for field, raw in fields.items():
            value = normalise(raw)
            entry = known.get(field)
            if (entry is None and value is None) or (entry is not None and entry.value == value):
                continue  # unchanged, or our own write echoed back
            changed.append((crm_id, field, value))
            if entry is not None and entry.origin == "written":
                edits += 1
                _audit_edit(conn, source, crm_id, field, entry.value, value, now, trigger)
    save_ledger_many(conn, source, changed, "read", now)
    return edits


def _audit_edit(
    conn: Connection,
    source: str,
    crm_id: str,
    field: str,
    ours: str | None,
    theirs: str | None,
    now: datetime,
    trigger: str,
) -> None:
    conn.execute(
        sa.insert(audit).values(
            at=to_stamp(now),
            source=source,
            crm_id=crm_id,
            event="crm_edit",
            trigger=trigger,
            before=json.dumps({field: ours}),
            after=json.dumps({field: theirs}),
        )
    )
