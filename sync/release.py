"""What an admin does by hand: release a quarantined record, retry a write the CRM refused or that failed.

A release re-maps the record's raw CRM fields (kept in quarantine) with the mapping in force now, so
fixing a mapping and releasing is enough; nothing is read from the CRM again. A record that still
fails stays in quarantine with the new reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connectors.base import ObjectKind, SourceRecord, SourceSettings
from connectors.mapping import RecordMapper
from credit_core.errors import RecordError
from sync.store import Store, state
from sync.store import outbox as box
from sync.store import quarantine as q
from sync.store.codec import encode_record, from_stamp
from sync.store.records import RecordRow, existing_ids, upsert_records
from sync.store.schema import outbox, quarantine


@dataclass(frozen=True)
class Released:
    """The outcome of one release: stored (with the account to re-evaluate) or still held, and why."""

    stored: bool
    reason: str
    account_crm_id: str | None = None


def release_quarantined(
    store: Store, settings: SourceSettings, source: str, kind: ObjectKind, crm_id: str, now: datetime
) -> Released:
    """Re-map one quarantined record with the current mapping and store it if it is valid now."""
    mapping = settings.mapping(kind)
    if mapping is None:
        return Released(False, f"source {source!r} no longer maps {kind}s")
    with store.write() as conn:
        row = conn.execute(
            sa.select(quarantine).where(
                quarantine.c.source == source, quarantine.c.kind == kind, quarantine.c.crm_id == crm_id
            )
        ).first()
        if row is None:
            return Released(False, "not in quarantine (already released or fixed by a sync)")
        record = SourceRecord(crm_id, from_stamp(row.stamp), json.loads(row.raw))
        try:
            built = RecordMapper(kind, source, mapping).build(record)
        except RecordError as error:
            entry = q.QuarantineEntry(source, kind, crm_id, error.field, error.value, error.reason, record.stamp,
                                      dict(record.fields))  # fmt: skip
            q.save_quarantine(conn, [entry], now)
            return Released(False, str(error))
        link = built.parent_crm_id if kind == "account" else built.account_crm_id
        if kind != "account" and link not in existing_ids(conn, "account", source, [link]):
            return Released(False, f"account {link} is not in the store yet: it is released with that account")
        run_id = state.start_run(conn, "release", source, now)
        upsert_records(
            conn, kind, [RecordRow(source, crm_id, link, row.stamp, False, None, run_id, encode_record(built))]
        )
        q.release(conn, source, kind, [crm_id])
        state.finish_run(conn, run_id, "ok", {"released": f"{kind} {crm_id}"}, now)
    return Released(True, "stored", crm_id if kind == "account" else link)


def retry_write(store: Store, source: str, row_id: int, now: datetime) -> bool:
    """Make a failed or rejected write due again (a rejected one is sent with the same values once more)."""
    with store.write() as conn:
        current = conn.execute(
            sa.select(outbox.c.state).where(outbox.c.id == row_id, outbox.c.source == source)
        ).scalar_one_or_none()
        if current not in ("failed", "rejected"):
            return False
        box.update_row(conn, row_id, now, state="pending", next_attempt_at=None, code=None, message=None)
    return True
