"""Write-back: `PUT /{module}` of up to 100 records, and every record's own result read.

Zoho answers 200 when all succeed, 207 when some fail and (likely) 400 when all fail, with one
`{code, details, message, status}` per record in request order [zoho.md §2.5]. The status line says
nothing about one record, so each entry decides that record's outcome, whatever the HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.base import RecordWrite, WriteOutcome
from connectors.zoho.client import ZohoClient
from connectors.zoho.errors import ZohoRequestError
from connectors.zoho.values import require_id, write_value

MAX_RECORDS = 100
# Codes where the same values may succeed later: a record locked by an approval, a hiccup.
TRANSIENT_CODES = frozenset({"RECORD_LOCKED", "INTERNAL_ERROR", "TOO_MANY_REQUESTS", "LOCKED_RECORD"})


def record_body(write: RecordWrite) -> dict[str, Any]:
    """One `data[]` entry: the id as a string (Zoho's own form) and the values in JSON form."""
    return {"id": require_id(write.crm_id), **{name: write_value(v) for name, v in write.values.items()}}


def outcome_of(crm_id: str, entry: Mapping[str, Any]) -> WriteOutcome:
    """The outcome one `data[]` entry reports for one record."""
    if entry.get("status") == "success" or entry.get("code") == "SUCCESS":
        return WriteOutcome(crm_id, True)
    code = str(entry.get("code") or "UNKNOWN")
    message = str(entry.get("message") or "no message")
    details = entry.get("details")
    if isinstance(details, dict) and details.get("api_name"):
        message = f"{message} (field {details['api_name']})"
    return WriteOutcome(crm_id, False, code, message, transient=code in TRANSIENT_CODES)


def push_batch(client: ZohoClient, module: str, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
    """Update one batch and report each record's outcome."""
    if len(writes) > MAX_RECORDS:
        raise ValueError(f"Zoho updates at most {MAX_RECORDS} records per call ({len(writes)} given)")
    if not writes:
        return []
    entries = client.update(module, [record_body(w) for w in writes])
    if len(entries) != len(writes):
        # One request-level error wrapped in `data` (e.g. LIMIT_EXCEEDED): nothing was written.
        first = entries[0] if entries else {}
        raise ZohoRequestError(400, str(first.get("code") or "UNKNOWN"), str(first.get("message") or ""))
    # A record whose entry names another id gets no outcome: the engine then reads it back.
    return [outcome_of(w.crm_id, e) for w, e in zip(writes, entries, strict=True) if _aligned(w.crm_id, e)]


def _aligned(crm_id: str, entry: Mapping[str, Any]) -> bool:
    """Whether a result entry is this record's (results line up with the request's order)."""
    details = entry.get("details")
    named = details.get("id") if isinstance(details, dict) else None
    return named is None or str(named) == crm_id
