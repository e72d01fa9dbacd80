"""Pulling one object of one source into the store: window, map + validate, upsert, checkpoint.

Rows, tombstones, quarantine entries and the checkpoint of every `checkpoint_every` records are
written in one transaction, so a crash loses at most one uncommitted batch and the next run resumes
right after the last stored (stamp, crm_id). Rows that fail mapping or validation go to quarantine
and the rest goes on; an invoice whose account is not stored yet waits in quarantine for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from connectors.base import Connector, Cursor, ListsLiveIds, ObjectKind, SourceRecord, SourceSettings, Window
from connectors.errors import CrmCreditError
from connectors.mapping import RecordMapper, writeback_fields_read
from credit_core.errors import RecordError
from sync import cursor as cur
from sync.echo import record_reads
from sync.store import Store, state
from sync.store import quarantine as q
from sync.store import records as rec
from sync.store.codec import encode_record, to_stamp

Progress = Callable[[str, str, int], None]  # (source, kind, records read)


@dataclass
class ObjectReport:
    """What one object's pull did."""

    kind: str
    read: int = 0
    stored: int = 0
    deleted: int = 0
    quarantined: int = 0
    released: int = 0
    reconciled: int = 0
    crm_edits: int = 0
    changed_accounts: set[str] = field(default_factory=set)  # filled for records fetched by id


@dataclass
class SourcePull:
    """Everything the pull of one source shares across its objects."""

    store: Store
    connector: Connector
    source: str
    settings: SourceSettings
    run_id: int
    run_start: datetime
    clock: Callable[[], datetime]
    progress: Progress | None = None
    mappers: dict[str, RecordMapper] = field(default_factory=dict)
    known_accounts: set[str] = field(default_factory=set)  # stored accounts (tombstones included)
    waiting: int | None = None  # quarantined rows waiting for an account (None: not counted yet)

    def mapper(self, kind: str) -> RecordMapper:
        """The compiled mapping of one kind."""
        if kind not in self.mappers:
            mapping = self.settings.mapping(kind)  # type: ignore[arg-type]
            assert mapping is not None
            self.mappers[kind] = RecordMapper(kind, self.source, mapping)  # type: ignore[arg-type]
        return self.mappers[kind]


@dataclass
class _Batch:
    rows: list[rec.RecordRow] = field(default_factory=list)
    raw: list[SourceRecord] = field(default_factory=list)  # aligned with rows, for late quarantine
    tombstones: list[str] = field(default_factory=list)
    quarantine: list[q.QuarantineEntry] = field(default_factory=list)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)
    count: int = 0


def _stored_row(pull: SourcePull, kind: str, record: SourceRecord, built: Any, full_pass: int | None) -> rec.RecordRow:
    link = built.parent_crm_id if kind == "account" else built.account_crm_id
    stamp = to_stamp(record.stamp)
    return rec.RecordRow(pull.source, record.crm_id, link, stamp, False, full_pass, pull.run_id, encode_record(built))


def _quarantine_entry(pull: SourcePull, kind: str, record: SourceRecord, error: RecordError) -> q.QuarantineEntry:
    raw = dict(record.fields)
    return q.QuarantineEntry(
        pull.source, kind, record.crm_id, error.field, error.value, error.reason, record.stamp, raw
    )


class _ObjectPull:
    """The pull of one kind: state machine around a stream of SourceRecords."""

    def __init__(self, pull: SourcePull, kind: ObjectKind, full: bool, positional: bool = True) -> None:
        self.pull = pull
        self.positional = positional  # False: records fetched by id, outside any window
        self.kind = kind
        self.report = ObjectReport(kind)
        # None: unknown, so every flush releases what it stores from quarantine (one statement).
        self.has_quarantine: bool | None = None
        if positional:
            with pull.store.write() as conn:
                self.state = state.load_pull_state(conn, pull.source, kind)
                self.has_quarantine = q.count_quarantined(conn, pull.source, kind) > 0
        else:
            # Records fetched by id use no window, watermark or checkpoint (an unfinished full pass
            # is looked up in the flush): a webhook's fetch skips this transaction, a third of its
            # store work.
            self.state = state.PullState()
        checkpoint = self.state.checkpoint
        self.window = cur.plan_window(self.state.watermark, pull.settings.lookback_s, pull.run_start, checkpoint, full)
        resuming_full = checkpoint is not None and checkpoint.full_pass is not None and self.window.start is None
        self.full_pass = checkpoint.full_pass if resuming_full and checkpoint else (pull.run_id if full else None)
        self.watermark = self.state.watermark
        self.end = self.window.end
        after = self.window.after
        self.last: tuple[datetime, str] | None = (after.stamp, after.crm_id) if after else None
        self.ordered = True
        self.mapper = pull.mapper(kind)
        self.wb_fields = writeback_fields_read(pull.settings) if kind == "account" else ()

    def run(self) -> ObjectReport:
        """Pull changes (then deletions) and finish the object; clean stops keep a checkpoint."""
        batch = _Batch()
        every = self.pull.settings.checkpoint_every
        try:
            records = self.pull.connector.pull_changed(self.kind, self.window)
            for record in cur.after_checkpoint(records, self.window.after):
                self._take(record, batch)
                if batch.count >= every:
                    self._flush(batch, finish=False)
                    batch = _Batch()
        except CrmCreditError:
            self._flush(batch, finish=False)  # a clean stop (budget, auth, network): keep what we have
            raise
        self._flush(batch, finish=True)
        self._pull_deletions()
        return self.report

    def _take(self, record: SourceRecord, batch: _Batch) -> None:
        # Hot path (a million rows per full sync): plain tuples, no helper calls.
        stamp = record.stamp
        if self.ordered:
            position = (stamp, record.crm_id)
            if self.last is not None and position < self.last:
                self.ordered = False  # an unsorted stream cannot resume from a position
            else:
                self.last = position
        if stamp < self.end and (self.watermark is None or stamp > self.watermark):
            self.watermark = stamp  # the max stored stamp, never at or past the frozen end
        batch.count += 1
        self.report.read += 1
        if record.deleted:
            batch.tombstones.append(record.crm_id)
            return
        try:
            built = self.mapper.build(record)
        except RecordError as error:
            batch.quarantine.append(_quarantine_entry(self.pull, self.kind, record, error))
            return
        batch.rows.append(_stored_row(self.pull, self.kind, record, built, self.full_pass))
        batch.raw.append(record)
        if self.wb_fields:
            batch.reads[record.crm_id] = {f: record.fields[f] for f in self.wb_fields if f in record.fields}

    def _flush(self, batch: _Batch, finish: bool) -> None:
        pull, kind = self.pull, self.kind
        now = pull.clock()
        with pull.store.write() as conn:
            if kind != "account":
                self._hold_orphans(conn, batch)
            if not self.positional:
                self._join_full_pass(conn, batch)
                self.report.changed_accounts |= self._changed_accounts(conn, batch)
            rec.upsert_records(conn, kind, batch.rows)
            self.report.stored += len(batch.rows)
            self.report.deleted += rec.tombstone(conn, kind, pull.source, batch.tombstones, pull.run_id)
            self._save_quarantine(conn, batch, now)
            if kind == "account":
                pull.known_accounts.update(row.crm_id for row in batch.rows)
                self.report.released += release_waiting(conn, pull, [row.crm_id for row in batch.rows])
                self.report.crm_edits += record_reads(conn, pull.source, batch.reads, now)
            self._save_position(conn, finish, now)
        if pull.progress is not None and batch.count:
            pull.progress(pull.source, kind, batch.count)

    def _join_full_pass(self, conn: Connection, batch: _Batch) -> None:
        """Rows fetched while a full pass is unfinished count as seen by it, as its own reads would.

        Otherwise a record that reached the CRM late, stamped before the pass's checkpoint, would be
        tombstoned by the pass's reconciliation although the fetch just stored it.
        """
        if not batch.rows:
            return
        checkpoint = state.load_pull_state(conn, self.pull.source, self.kind).checkpoint
        if checkpoint is None or checkpoint.full_pass is None or checkpoint.start is not None:
            return
        batch.rows = [row._replace(seen_pass=checkpoint.full_pass) for row in batch.rows]

    def _changed_accounts(self, conn: Connection, batch: _Batch) -> set[str]:
        """Accounts whose data these rows change (compared before storing; our own echo changes none)."""
        ids = [row.crm_id for row in batch.rows] + batch.tombstones
        stored = rec.stored_versions(conn, self.kind, self.pull.source, ids)
        mine = self.kind == "account"
        changed: set[str] = set()
        for row in batch.rows:
            before = stored.get(row.crm_id)
            if before is None or before.deleted or (before.payload != row.payload and row.stamp >= before.stamp):
                changed.add(row.crm_id if mine else str(row.link))
                if before is not None and not mine and before.link != row.link and before.link:
                    changed.add(before.link)  # an invoice moved to another account
        for crm_id in batch.tombstones:
            before = stored.get(crm_id)
            if before is not None and not before.deleted:
                changed.add(crm_id if mine else str(before.link))
        return changed

    def _hold_orphans(self, conn: Connection, batch: _Batch) -> None:
        """Rows whose account is not stored go to quarantine, waiting for it."""
        known = self.pull.known_accounts
        unknown = {row.link for row in batch.rows if row.link not in known}
        if not unknown:
            return
        found = rec.existing_ids(conn, "account", self.pull.source, [u for u in unknown if u])
        known.update(found)
        missing = unknown - found
        if not missing:
            return
        kept_rows, kept_raw = [], []
        for row, record in zip(batch.rows, batch.raw, strict=True):
            if row.link in missing:
                reason = f"account {row.link} is not in the store (yet)"
                entry = q.QuarantineEntry(
                    self.pull.source, self.kind, row.crm_id, "account_crm_id", row.link, reason, record.stamp,
                    dict(record.fields), waiting_for=row.link,
                )  # fmt: skip
                batch.quarantine.append(entry)
            else:
                kept_rows.append(row)
                kept_raw.append(record)
        batch.rows, batch.raw = kept_rows, kept_raw

    def _save_quarantine(self, conn: Connection, batch: _Batch, now: datetime) -> None:
        pull = self.pull
        if self.has_quarantine is not False and batch.rows:
            self.report.released += q.release(conn, pull.source, self.kind, [row.crm_id for row in batch.rows])
        if batch.tombstones and self.has_quarantine is not False:
            q.release(conn, pull.source, self.kind, batch.tombstones)  # a deleted record needs no fixing
        if batch.quarantine:
            self.report.quarantined += q.save_quarantine(conn, batch.quarantine, now)
            self.has_quarantine = True
            if pull.waiting is not None:
                pull.waiting += sum(1 for e in batch.quarantine if e.waiting_for)

    def _save_position(self, conn: Connection, finish: bool, now: datetime) -> None:
        pull, kind = self.pull, self.kind
        if not self.positional:
            return
        if finish:
            if self.full_pass is not None:
                before = to_stamp(self.window.end)
                self.report.reconciled = rec.reconcile_unseen(
                    conn, kind, pull.source, self.full_pass, before, pull.run_id
                )
            state.finish_pull(conn, pull.source, kind, self.watermark, now)
            return
        after = Cursor(*self.last) if self.ordered and self.last else self.window.after
        checkpoint = cur.Checkpoint(self.window.start, self.window.end, after, self.full_pass)
        state.save_checkpoint(conn, pull.source, kind, checkpoint, self.watermark, now)

    def _pull_deletions(self) -> None:
        """Tombstone what the CRM reports deleted (a full pass found those by reconciling instead)."""
        pull, kind = self.pull, self.kind
        window = None
        if self.full_pass is None:
            window = cur.deletion_window(self.state.deleted_watermark, pull.settings.lookback_s, pull.run_start)
        ids = [d.crm_id for d in pull.connector.pull_deleted(kind, window)] if window else []
        live = _live_ids(pull.connector, kind, window) if window else None
        with pull.store.write() as conn:
            if live is not None:
                # A CRM that forgets hard deletes lists what still exists; stored rows it lacks are gone.
                ids += rec.missing_ids(conn, kind, pull.source, live, to_stamp(pull.run_start))
            if ids:
                self.report.deleted += rec.tombstone(conn, kind, pull.source, ids, pull.run_id)
                if self.has_quarantine:
                    q.release(conn, pull.source, kind, ids)
            state.save_deleted_watermark(conn, pull.source, kind, pull.run_start, pull.clock())


def _live_ids(connector: Connector, kind: ObjectKind, window: Window) -> set[str] | None:
    """The ids a `ListsLiveIds` connector says still exist (None: not such a connector, or not due)."""
    if not isinstance(connector, ListsLiveIds):
        return None
    listed = connector.pull_live_ids(kind, window)
    return None if listed is None else set(listed)


def store_fetched(pull: SourcePull, kind: ObjectKind, records: Iterable[SourceRecord]) -> ObjectReport:
    """Store records fetched by id (a webhook's changes): no window, no watermark, same validation."""
    fetch = _ObjectPull(pull, kind, full=False, positional=False)
    batch = _Batch()
    for record in records:
        fetch._take(record, batch)
        if batch.count >= pull.settings.checkpoint_every:
            fetch._flush(batch, finish=False)
            batch = _Batch()
    fetch._flush(batch, finish=False)
    return fetch.report


def release_waiting(conn: Connection, pull: SourcePull, account_ids: Iterable[str]) -> int:
    """Store the records that waited in quarantine for these accounts; return how many were released."""
    if pull.waiting is None:
        # Counted when first needed: a fetch of invoices whose accounts are stored never needs it.
        pull.waiting = count_waiting(conn, pull.source)
    if pull.waiting <= 0:
        return 0
    entries = q.waiting_for_accounts(conn, pull.source, account_ids)
    released = 0
    for entry in entries:
        record = SourceRecord(entry.crm_id, entry.stamp, entry.raw)
        try:
            built = pull.mapper(entry.kind).build(record)
        except RecordError as error:
            q.save_quarantine(conn, [_quarantine_entry(pull, entry.kind, record, error)], pull.clock())
            continue
        rec.upsert_records(conn, entry.kind, [_stored_row(pull, entry.kind, record, built, None)])
        released += q.release(conn, pull.source, entry.kind, [entry.crm_id])
    pull.waiting -= len(entries)
    return released


def count_waiting(conn: Connection, source: str) -> int:
    """Quarantined rows of a source that wait for an account."""
    return q.count_quarantined(conn, source, waiting=True)
