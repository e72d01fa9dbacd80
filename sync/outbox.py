"""Write-back: plan the changed fields per account, then push them in batches, crash-safely.

Planning compares each formatted value with the echo ledger (the last value written or read), so
no-op writes are never queued. Pushing marks a batch `in_flight` in its own transaction before the
CRM call; after a crash, such rows are reconciled by reading the CRM's current values before
anything is re-sent, so a value reaches the CRM twice only when a write's outcome was unknown.
Per-record outcomes are kept (simple-salesforce#627): a rejected record never blocks its batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from connectors.base import Connector, RecordWrite, WriteOutcome
from connectors.errors import ConfigError, CrmCreditError, QuotaExhausted, classify
from sync.echo import LedgerEntry, load_ledger, normalise, save_ledger, save_ledger_many
from sync.store import Store
from sync.store import outbox as box
from sync.store.codec import to_stamp
from sync.store.records import chunks
from sync.store.schema import audit

# Decision fields that drift with the calendar: written at most once a day (DESIGN §2).
DAILY_KEYS = frozenset({"max_days_past_due", "dso", "add", "paydex"})
_FIRST_RETRY_S = 60
_WAITING = ("pending", "failed")
_LONGEST_RETRY_S = 6 * 3600


def retry_delay(attempts: int) -> timedelta:
    """Backoff before retrying a transient write failure: 1 min, 2, 4, … up to 6 h."""
    return timedelta(seconds=min(_FIRST_RETRY_S * 2 ** max(attempts - 1, 0), _LONGEST_RETRY_S))


def diff_values(
    desired: Mapping[str, Any], known: Mapping[str, LedgerEntry], now: datetime, daily: Collection[str] = ()
) -> dict[str, Any]:
    """The fields whose value differs from what the CRM is known to hold."""
    changed: dict[str, Any] = {}
    for field, value in desired.items():
        entry = known.get(field)
        if normalise(value) == (entry.value if entry else None):
            continue
        if field in daily and entry is not None and entry.origin == "written" and entry.at.date() == now.date():
            continue  # calendar-driven figures: at most one write a day
        changed[field] = value
    return changed


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return {k: normalise(v) for k, v in a.items()} == {k: normalise(v) for k, v in b.items()}


def plan_writes(
    conn: Connection,
    source: str,
    crm_object: str,
    desired: Mapping[str, Mapping[str, Any]],
    now: datetime,
    daily: Collection[str] = (),
) -> int:
    """Queue, update or drop each account's write so it holds exactly the changed fields; return queued."""
    if not desired:
        return 0
    ledger = load_ledger(conn, source, desired)
    waiting: dict[str, list[box.OutboxRow]] = {}
    rejected: dict[str, list[box.OutboxRow]] = {}
    for crm_id, rows in box.rows_for_accounts(conn, source, desired, (*_WAITING, "rejected")).items():
        for row in rows:  # oldest first within each state, as two queries would give them
            (rejected if row.state == "rejected" else waiting).setdefault(crm_id, []).append(row)
    queued = 0
    new: dict[str, Mapping[str, Any]] = {}
    for crm_id, values in desired.items():
        diff = diff_values(values, ledger.get(crm_id, {}), now, daily)
        refused = rejected.get(crm_id)
        if diff and refused and _same(refused[-1].values, diff):
            diff = {}  # the CRM refused exactly these values: not retried until they change
        rows = waiting.get(crm_id, [])
        for stale in rows[:-1]:
            box.delete_row(conn, stale.id, only_in=_WAITING)
        if rows and not diff:
            box.delete_row(conn, rows[-1].id, only_in=_WAITING)
        elif rows and not _same(rows[-1].values, diff):
            # A pusher may have claimed the row meanwhile; then these values need a row of their own.
            if not box.update_row(conn, rows[-1].id, now, only_in=_WAITING, values=diff):
                new[crm_id] = diff
            queued += 1
        elif rows:
            queued += 1
        elif diff:
            new[crm_id] = diff
            queued += 1
    box.insert_pending(conn, source, crm_object, new, now)
    return queued


@dataclass
class PushReport:
    """What one source's push did."""

    sent: int = 0
    rejected: int = 0
    failed: int = 0
    unknown: int = 0  # left in flight: the CRM call's outcome is unknown
    reconciled: int = 0
    up_to_date: int = 0
    stopped: str | None = None  # why pushing stopped early
    error: dict[str, str] | None = None  # that error, classified
    budget_stop: bool = False

    @property
    def problems(self) -> bool:
        """Whether this push had anything a person should look at."""
        return bool(self.rejected or self.failed or self.unknown or self.stopped)


class Pusher:
    """Sends one source's due writes (or only those of `accounts`) through its connector.

    Rows are claimed (`pending`/`failed` → `in_flight`) one by one under their current state, so two
    pushers running at once — a webhook worker and a scheduled sync — never send the same row.
    """

    def __init__(
        self,
        store: Store,
        connector: Connector,
        source: str,
        clock: Callable[[], datetime],
        accounts: Collection[str] | None = None,
    ) -> None:
        self.store = store
        self.connector = connector
        self.source = source
        self.clock = clock
        self.accounts = accounts
        self.report = PushReport()

    def run(self) -> PushReport:
        """Reconcile writes of unknown outcome, then send everything due.

        With nothing in flight (the usual case), one transaction reads the open rows and claims the
        first batch: a push of a few accounts is mostly such fixed costs, not the CRM call.
        """
        size = max(self.connector.write_batch_size, 1)
        try:
            with self.store.write() as conn:
                rows = box.open_rows(conn, self.source, self.clock(), self.accounts)
                stuck = [row for row in rows if row.state == "in_flight"]
                due = [] if stuck else self._due_rows(conn, rows)
                sendable = self._claim(conn, due[:size])
            if stuck:
                self.reconcile_in_flight(stuck)
                with self.store.write() as conn:
                    due = self._due_rows(conn, box.open_rows(conn, self.source, self.clock(), self.accounts))
                    sendable = self._claim(conn, due[:size])
            while self._deliver(sendable) and len(due) > size:
                due = due[size:]
                with self.store.write() as conn:
                    sendable = self._claim(conn, due[:size])
        except QuotaExhausted as exc:
            self.report.stopped, self.report.budget_stop, self.report.error = str(exc), True, classify(exc)
        return self.report

    def _due_rows(self, conn: Connection, rows: Sequence[box.OutboxRow]) -> list[box.OutboxRow]:
        """The waiting rows among `rows`, one per account (older rows merged under the newest)."""
        now = self.clock()
        by_account: dict[str, box.OutboxRow] = {}
        for row in rows:  # oldest first
            if row.state not in _WAITING:
                continue
            older = by_account.get(row.crm_id)
            if older is not None:
                merged = {**older.values, **row.values}
                box.delete_row(conn, older.id, only_in=(older.state,))
                box.update_row(conn, row.id, now, only_in=(row.state,), values=merged)
                row = replace(row, values=merged)
            by_account[row.crm_id] = row
        return sorted(by_account.values(), key=lambda r: r.id)

    def reconcile_in_flight(self, rows: Sequence[box.OutboxRow]) -> None:
        """Read back the CRM's values for writes whose outcome was never recorded."""
        for batch in chunks(rows, 100):
            current = self.connector.fetch_written_values([row.crm_id for row in batch])
            now = self.clock()
            with self.store.write() as conn:
                for row in batch:
                    self._reconcile_row(conn, row, current.get(row.crm_id), now)

    def _reconcile_row(self, conn: Connection, row: box.OutboxRow, crm: dict[str, Any] | None, now: datetime) -> None:
        self.report.reconciled += 1
        if crm is None:
            box.update_row(conn, row.id, now, state="rejected", code="NOT_FOUND", message="record no longer in the CRM")
            return
        read = {field: normalise(crm.get(field)) for field in row.values}
        save_ledger(conn, self.source, row.crm_id, read, "read", now)
        if all(read[field] == normalise(value) for field, value in row.values.items()):
            save_ledger(conn, self.source, row.crm_id, read, "written", now)
            box.update_row(conn, row.id, now, state="sent", message="confirmed after an interrupted write")
        else:
            box.update_row(conn, row.id, now, state="pending")

    def _claim(self, conn: Connection, batch: Sequence[box.OutboxRow]) -> list[tuple[box.OutboxRow, dict[str, Any]]]:
        """Claim one batch with the fields the CRM does not hold yet (rows it holds entirely are done)."""
        if not batch:
            return []
        now = self.clock()
        wanted: list[tuple[box.OutboxRow, dict[str, Any]]] = []
        ledger = load_ledger(conn, self.source, [row.crm_id for row in batch])
        for row in batch:
            values = diff_values(row.values, ledger.get(row.crm_id, {}), now)
            if not values:
                done = box.update_row(
                    conn, row.id, now, only_in=(row.state,), state="sent", message="already up to date"
                )
                self.report.up_to_date += int(done)
                continue
            wanted.append((row, values))
        claimed = box.claim_rows(conn, [row.id for row, _ in wanted], _WAITING, now)
        # Rows another pusher took meanwhile (or planning replaced) are not ours to send.
        sendable = [(replace(row, attempts=claimed[row.id]), values) for row, values in wanted if row.id in claimed]
        box.update_rows(conn, [(row.id, {"values": values}) for row, values in sendable if values != row.values], now)
        return sendable

    def _deliver(self, sendable: Sequence[tuple[box.OutboxRow, dict[str, Any]]]) -> bool:
        """Push one claimed batch; False when pushing must stop for this run."""
        if not sendable:
            return True
        try:
            outcomes = self.connector.push([RecordWrite(row.crm_id, values) for row, values in sendable])
        except (QuotaExhausted, ConfigError) as exc:
            self._revert(sendable)  # refused before anything was written
            if isinstance(exc, QuotaExhausted):
                raise
            self.report.stopped, self.report.error = str(exc), classify(exc)
            return False
        except CrmCreditError as exc:
            self.report.unknown += len(sendable)  # maybe written: reconciled on the next push
            self.report.stopped, self.report.error = str(exc), classify(exc)
            return False
        self._record(sendable, outcomes)
        return True

    def _revert(self, sendable: Sequence[tuple[box.OutboxRow, dict[str, Any]]]) -> None:
        now = self.clock()
        with self.store.write() as conn:
            for row, _values in sendable:
                box.update_row(conn, row.id, now, state=row.state, attempts=row.attempts)

    def _record(self, sendable: Sequence[tuple[box.OutboxRow, dict[str, Any]]], outcomes: list[WriteOutcome]) -> None:
        now = self.clock()
        by_id = {outcome.crm_id: outcome for outcome in outcomes}
        changes: list[tuple[int, dict[str, Any]]] = []
        written: list[tuple[str, str, str | None]] = []
        with self.store.write() as conn:
            for row, values in sendable:
                outcome = by_id.get(row.crm_id)
                if outcome is None:
                    self.report.unknown += 1  # stays in flight, reconciled next time
                elif outcome.ok:
                    written += [(row.crm_id, f, normalise(v)) for f, v in values.items()]
                    changes.append((row.id, {"state": "sent", "code": None, "message": None}))
                    self.report.sent += 1
                elif outcome.transient:
                    due = now + retry_delay(row.attempts + 1)
                    fields: dict[str, Any] = {"code": outcome.code, "message": outcome.message, "next_attempt_at": due}
                    changes.append((row.id, {"state": "failed", **fields}))
                    self.report.failed += 1
                else:
                    changes.append((row.id, {"state": "rejected", "code": outcome.code, "message": outcome.message}))
                    _audit_rejection(conn, self.source, row.crm_id, values, outcome, now)
                    self.report.rejected += 1
            save_ledger_many(conn, self.source, written, "written", now)
            box.update_rows(conn, changes, now)


def _audit_rejection(
    conn: Connection, source: str, crm_id: str, values: Mapping[str, Any], outcome: WriteOutcome, now: datetime
) -> None:
    conn.execute(
        audit.insert().values(
            at=to_stamp(now),
            source=source,
            crm_id=crm_id,
            event="write_rejected",
            trigger="sync",
            after=json.dumps({k: normalise(v) for k, v in values.items()}),
            before=json.dumps({"code": outcome.code, "message": outcome.message}),
        )
    )
