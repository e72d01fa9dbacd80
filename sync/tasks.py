"""Send queued owner tasks to the CRM (after the write-backs of a sync, push or recalculation).

Tasks are queued by evaluation in the same transaction as the decision that called for them, one per
change key, so an unchanged re-run queues nothing and a crash re-sends nothing already recorded as
sent. A connector without the `TaskSink` capability leaves its tasks `unsupported`, visible in the
store rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

from connectors.base import Connector
from connectors.errors import CrmCreditError
from connectors.tasks import TaskOutcome, TaskRequest, TaskSink
from sync.store import Store
from sync.store import alerts as stored
from sync.store.alerts import TaskRow

MAX_ATTEMPTS = 5  # a task that failed transiently this often is given up (and shown as failed)
# A sender that died mid-call leaves its tasks `sending`; after this they are sent again (a rare duplicate
# task beats a lost alert).
STALE_SENDING = timedelta(minutes=15)


@dataclass
class TaskReport:
    """What one send did."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0  # transient failures left pending for the next run
    unsupported: int = 0


def _request(row: TaskRow) -> TaskRequest:
    priority = cast(Literal["High", "Normal"], row.priority)
    return TaskRequest(row.id, row.crm_id, row.owner_crm_id, row.subject, row.description, row.due_on, priority)


def send_tasks(store: Store, connector: Connector, source: str, clock: Callable[[], datetime]) -> TaskReport:
    """Create every pending task of one source in its CRM; each outcome is recorded as it comes."""
    report = TaskReport()
    if not isinstance(connector, TaskSink):
        with store.write() as conn:
            for row in stored.pending_tasks(conn, source, 10_000):
                stored.mark_task(conn, row.id, "unsupported", clock(), message=f"{connector.kind} takes no tasks")
                report.unsupported += 1
        return report
    while True:
        now = clock()
        with store.write() as conn:
            rows = stored.claim_tasks(conn, source, connector.task_batch_size, now, now - STALE_SENDING)
        if not rows:
            return report
        try:
            outcomes = connector.create_tasks([_request(row) for row in rows])
        except CrmCreditError:
            with store.write() as conn:  # nothing was created: hand the batch back at once
                for row in rows:
                    stored.release_task(conn, row.id, clock())
            raise
        if _record(store, rows, outcomes, clock(), report):
            return report  # a transient failure: the rest waits for the next run


def _record(store: Store, rows: list[TaskRow], outcomes: list[TaskOutcome], now: datetime, report: TaskReport) -> bool:
    by_ref = {outcome.ref: outcome for outcome in outcomes}
    transient = False
    with store.write() as conn:
        for row in rows:
            outcome = by_ref.get(row.id)
            if outcome is None or (outcome.transient and row.attempts + 1 < MAX_ATTEMPTS):
                message = outcome.message if outcome else "no answer for this task"
                stored.mark_task(conn, row.id, "pending", now, message=message)
                report.waiting += 1
                transient = True
            elif outcome.ok:
                stored.mark_task(conn, row.id, "sent", now, task_crm_id=outcome.task_crm_id)
                report.sent += 1
            else:
                stored.mark_task(conn, row.id, "failed", now, message=f"{outcome.code}: {outcome.message}")
                report.failed += 1
    return transient
