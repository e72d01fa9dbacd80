"""Pull watermarks and checkpoints, and the run log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import Cursor
from sync.cursor import Checkpoint
from sync.store.codec import from_stamp, to_stamp
from sync.store.schema import crm_fields, pull_state, runs


@dataclass(frozen=True, slots=True)
class PullState:
    """What the store knows about one (source, kind) pull."""

    watermark: datetime | None = None
    deleted_watermark: datetime | None = None
    checkpoint: Checkpoint | None = None


def _stamp(value: str | None) -> datetime | None:
    return from_stamp(value) if value else None


def load_pull_state(conn: Connection, source: str, kind: str) -> PullState:
    """The watermark, deletion watermark and unfinished checkpoint of one object."""
    row = conn.execute(_PULL_STATE, {"b_source": source, "b_kind": kind}).first()
    if row is None:
        return PullState()
    checkpoint = None
    if row.in_progress and row.window_end:
        after = Cursor(from_stamp(row.after_stamp), row.after_id) if row.after_stamp else None
        checkpoint = Checkpoint(_stamp(row.window_start), from_stamp(row.window_end), after, row.full_pass)
    return PullState(_stamp(row.watermark), _stamp(row.deleted_watermark), checkpoint)


# Built once: a webhook's fetch reads it on every call.
_PULL_STATE = sa.select(pull_state).where(
    pull_state.c.source == sa.bindparam("b_source"), pull_state.c.kind == sa.bindparam("b_kind")
)


def _save(conn: Connection, source: str, kind: str, values: dict[str, Any]) -> None:
    table = pull_state
    updated = conn.execute(
        sa.update(table).where(table.c.source == source, table.c.kind == kind).values(**values)
    ).rowcount
    if not updated:
        conn.execute(sa.insert(table).values(source=source, kind=kind, **values))


def save_checkpoint(
    conn: Connection, source: str, kind: str, checkpoint: Checkpoint, watermark: datetime | None, now: datetime
) -> None:
    """Remember how far an unfinished pull got (in the transaction that stored those rows)."""
    after = checkpoint.after
    _save(
        conn,
        source,
        kind,
        {
            "watermark": to_stamp(watermark) if watermark else None,
            "window_start": to_stamp(checkpoint.start) if checkpoint.start else None,
            "window_end": to_stamp(checkpoint.end),
            "after_stamp": to_stamp(after.stamp) if after else None,
            "after_id": after.crm_id if after else None,
            "full_pass": checkpoint.full_pass,
            "in_progress": True,
            "updated_at": to_stamp(now),
        },
    )


def finish_pull(conn: Connection, source: str, kind: str, watermark: datetime | None, now: datetime) -> None:
    """A pull completed: keep the watermark, forget the checkpoint."""
    values: dict[str, Any] = {
        "watermark": to_stamp(watermark) if watermark else None,
        "window_start": None,
        "window_end": None,
        "after_stamp": None,
        "after_id": None,
        "full_pass": None,
        "in_progress": False,
        "updated_at": to_stamp(now),
    }
    _save(conn, source, kind, values)


def save_deleted_watermark(conn: Connection, source: str, kind: str, end: datetime, now: datetime) -> None:
    """Deletions are known up to `end` (the frozen end of the window just read)."""
    _save(conn, source, kind, {"deleted_watermark": to_stamp(end), "updated_at": to_stamp(now)})


def load_watermarks(conn: Connection, source: str) -> dict[str, datetime]:
    """Watermark per kind of one source."""
    rows = conn.execute(sa.select(pull_state.c.kind, pull_state.c.watermark).where(pull_state.c.source == source)).all()
    return {row.kind: from_stamp(row.watermark) for row in rows if row.watermark}


_START_RUN = sa.insert(runs)
_FINISH_RUN = sa.update(runs).where(runs.c.id == sa.bindparam("run_id"))


def start_run(conn: Connection, command: str, source: str | None, now: datetime) -> int:
    """Log the start of a run and return its id (also the `changed_run` of rows it changes)."""
    values = {"command": command, "source": source, "started_at": to_stamp(now), "outcome": "running", "details": "{}"}
    return _insert_run(conn, values)


def log_run(
    conn: Connection, command: str, source: str | None, started: datetime, outcome: str, details: dict[str, Any],
    finished: datetime,
) -> int:  # fmt: skip
    """Log a run that has ended, in one statement (for runs too short to be watched while running)."""
    values = {"command": command, "source": source, "started_at": to_stamp(started), "outcome": outcome,
              "details": json.dumps(details, default=str), "finished_at": to_stamp(finished)}  # fmt: skip
    return _insert_run(conn, values)


def _insert_run(conn: Connection, values: dict[str, Any]) -> int:
    key = conn.execute(_START_RUN, values).inserted_primary_key
    assert key is not None
    return int(key[0])


def finish_run(conn: Connection, run_id: int, outcome: str, details: dict[str, Any], now: datetime) -> None:
    """Log how a run ended."""
    values = {"outcome": outcome, "details": json.dumps(details, default=str), "finished_at": to_stamp(now)}
    conn.execute(_FINISH_RUN, {"run_id": run_id, **values})


def last_run(conn: Connection, source: str) -> dict[str, Any] | None:
    """The latest run that touched `source`: started, finished, outcome, and what went wrong.

    `error` is the classified error that stopped it (class, action, fault) and `retries` the CRM
    calls its connector retried by cause (429, 503, timeout, connection): a burst the retries
    absorbed leaves the outcome `ok` but still shows here.
    """
    row = conn.execute(sa.select(runs).where(runs.c.source == source).order_by(runs.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    details = json.loads(row.details) if row.details else {}
    return {
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "outcome": row.outcome,
        "message": details.get("message"),
        "error": details.get("error"),
        "retries": (details.get("api") or {}).get("retries") or {},
    }


def save_field_lengths(
    conn: Connection, source: str, crm_object: str, fields: dict[str, tuple[str, int | None]], now: datetime
) -> None:
    """Remember the type and length of described fields (texts are cut to it before write-back)."""
    conn.execute(sa.delete(crm_fields).where(crm_fields.c.source == source, crm_fields.c.crm_object == crm_object))
    for name, (kind, length) in fields.items():
        conn.execute(
            sa.insert(crm_fields).values(
                source=source, crm_object=crm_object, field=name, type=kind, length=length, described_at=to_stamp(now)
            )
        )


def load_field_lengths(conn: Connection, source: str, crm_object: str) -> dict[str, int]:
    """Known lengths of a CRM object's fields."""
    query = sa.select(crm_fields.c.field, crm_fields.c.length).where(
        crm_fields.c.source == source, crm_fields.c.crm_object == crm_object, crm_fields.c.length.is_not(None)
    )
    return {name: int(length) for name, length in conn.execute(query)}
