"""The job queue on huey: fetch and recalculation jobs, each merged while queued (DESIGN §7).

`SqliteHuey` serves the default `sqlite:///…` queue URL (one machine, nothing to install),
`RedisHuey` serves `redis://…` (any number of `serve` and `worker` processes). Jobs are keyed by
(source, object, crm_id) for fetches and (source, account crm_id) for recalculations. Each key has a
pending marker, set with the storage's atomic `put_if_empty`: a change whose key is already pending
is covered by the queued job, because that job reads the CRM (fetch) or the store (recalculation)
only when it runs. The worker clears a job's markers as it starts it, so a change arriving mid-job
queues exactly one more: a burst for one account becomes one recalculation, and the first change of
the burst is not held back waiting for the rest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, Task
from huey.storage import RedisStorage, SqliteStorage
from huey.utils import utcnow

from connectors.base import OBJECT_KINDS, ObjectKind
from connectors.errors import ConfigError
from sync.config import QueueConfig

log = logging.getLogger(__name__)

QUEUE_NAME = "crm-credit"
FETCH_BATCH = 100  # ids per fetch job once merged (one SOQL IN list / one Zoho ids call)
RECALC_BATCH = 50  # accounts per recalculation job once merged
WINDOW = 100  # queued jobs a worker takes at once to merge (another worker takes the next ones)
# A marker older than this is taken to belong to a job lost with a crashed worker: the change is
# queued anew (a duplicate job only costs one more fetch). The periodic sync covers the rest.
MARKER_STALE_S = 600.0
DEFER_S = 0.25  # a recalculation whose account group another worker is deciding is retried this much later
RETRIES, RETRY_DELAY_S = 3, 10  # transient CRM failures (the periodic sync is the final safety net)


class JobHandlers(Protocol):
    """What the worker does with each job (`sync.worker.Worker`)."""

    def fetch(self, source: str, kind: ObjectKind, crm_ids: Sequence[str]) -> None: ...

    def recalculate(self, source: str, crm_ids: Sequence[str]) -> None: ...

    def periodic_sync(self) -> None: ...

    def daily_evaluation(self) -> None: ...

    def renew_channels(self) -> None: ...

    def renew_now(self) -> None: ...

    def send_digest(self) -> None: ...


def open_huey(url: str, name: str = QUEUE_NAME) -> Huey:
    """A SqliteHuey for `sqlite:///path`, a RedisHuey for `redis://` (results are not kept)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url.startswith("sqlite:///"):
        path = sa.make_url(url).database
        if not path or path == ":memory:":
            raise ConfigError("queue.url: an SQLite queue needs a file (sqlite:///crm-credit-queue.db)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # WAL and a longer busy timeout: serve's intake and the workers write the file concurrently.
        return SqliteHuey(name, filename=path, results=False, timeout=30, storage_class=QueueFileStorage)
    raise ConfigError(f"queue.url: {url.split('://')[0]}://… is not supported (use sqlite:/// or redis://)")


class QueueFileStorage(SqliteStorage):  # type: ignore[misc]  # huey is untyped
    """huey's SQLite storage with `synchronous=NORMAL`: in WAL mode a commit survives a crash of the
    process (the case that matters for a queue of hints) without an fsync per job, which at hundreds
    of notifications a second would be the queue's whole cost."""

    def _create_connection(self) -> Any:
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


def every_minutes(minutes: int) -> Any:
    """A huey periodic validator: true at every `minutes`-th minute since the epoch (UTC)."""
    step = max(1, minutes)

    def due(moment: datetime) -> bool:
        return (int(moment.timestamp() // 60) if moment.tzinfo else _epoch_minute(moment)) % step == 0

    return due


def _epoch_minute(naive_utc: datetime) -> int:
    return int((naive_utc - datetime(1970, 1, 1)).total_seconds() // 60)


@dataclass(frozen=True)
class BatchKey:
    """Jobs that may run as one: same job kind, same source (and same object, for fetches)."""

    job: str
    source: str
    kind: str = ""


class JobQueue:
    """Enqueue side (webhooks) and job side (worker) of the queue; one per process."""

    def __init__(self, huey: Huey, sync_interval_s: int = 900) -> None:
        self.huey = huey
        self.handlers: JobHandlers | None = None
        self.wakeup = threading.Event()  # set on enqueue: an in-process worker starts at once
        settings = {"retries": RETRIES, "retry_delay": RETRY_DELAY_S}
        self.fetch_task = huey.task(name="fetch_records", **settings)(self._run_fetch)
        self.recalc_task = huey.task(name="recalculate_accounts", **settings)(self._run_recalculation)
        minutes = max(1, round(sync_interval_s / 60))
        huey.periodic_task(every_minutes(minutes), name="periodic_sync")(self._run("periodic_sync"))
        huey.periodic_task(crontab(minute="15", hour="2"), name="daily_evaluation")(self._run("daily_evaluation"))
        huey.periodic_task(crontab(minute="45", hour="3"), name="renew_channels")(self._run("renew_channels"))
        # Hourly, though a digest goes out once per period: a mail server down at one hour is retried the next.
        huey.periodic_task(crontab(minute="30"), name="send_digest")(self._run("send_digest"))
        self.renew_task = huey.task(name="renew_channels_now")(self._run("renew_now"))

    @classmethod
    def open(cls, config: QueueConfig) -> JobQueue:
        """The queue a config names."""
        return cls(open_huey(config.url, config.name), config.sync_interval_s)

    @property
    def is_sqlite(self) -> bool:
        """True for the one-machine SQLite queue (whose worker runs inside `serve`)."""
        return isinstance(self.huey.storage, SqliteStorage)

    # ---- the enqueue side ----------------------------------------------------------------------

    def submit_changes(self, source: str, kind: ObjectKind, crm_ids: Iterable[str]) -> int:
        """Queue fetches of these records; ids already pending are merged. Returns how many were new."""
        ids = list(dict.fromkeys(crm_ids))
        fresh = self._claim_many({_fetch_marker(source, kind, crm_id): crm_id for crm_id in ids})
        for start in range(0, len(fresh), FETCH_BATCH):
            self._enqueue(self.fetch_task.s(source, kind, fresh[start : start + FETCH_BATCH]))
        return len(fresh)

    def submit_recalculations(self, source: str, crm_ids: Iterable[str]) -> int:
        """Queue recalculations of these accounts; accounts already pending are merged."""
        fresh = self.claim_recalculations(source, crm_ids)
        for start in range(0, len(fresh), RECALC_BATCH):
            self._enqueue(self.recalc_task.s(source, fresh[start : start + RECALC_BATCH]))
        return len(fresh)

    def claim_recalculations(self, source: str, crm_ids: Iterable[str]) -> list[str]:
        """Mark these accounts' recalculations pending without queueing a job; the accounts not pending
        before, which the caller now runs itself (accounts already pending are covered by their job)."""
        ids = list(dict.fromkeys(crm_ids))
        return self._claim_many({_recalc_marker(source, crm_id): crm_id for crm_id in ids})

    def clock(self) -> float:
        """Seconds since the epoch by the queue's clock: the Redis server's, one clock for every host (a
        SQLite queue serves one machine, whose clock it is). Markers are stamped with it."""
        storage = self.huey.storage
        if isinstance(storage, RedisStorage):
            seconds, micros = storage.conn.time()
            return float(seconds) + float(micros) / 1e6
        return time.time()

    def spend_once(self, key: str, keep_s: int) -> bool | None:
        """On a Redis queue, True the first time `key` is spent (kept `keep_s` seconds), False after; None on
        a SQLite queue, whose serve processes share one machine and spend keys in the store instead.

        One `SET NX EX` round trip instead of a store transaction: serve spends a signature per generic
        webhook, and the transaction was a quarter of serve's cost per notification."""
        storage = self.huey.storage
        if not isinstance(storage, RedisStorage):
            return None
        return bool(storage.conn.set(f"{storage.name}.spent.{key}", b"1", nx=True, ex=keep_s))

    def _claim_many(self, markers: dict[str, str]) -> list[str]:
        """Set each marker that is not set yet (or is stale); the ids (values) whose markers this call set.

        On Redis the markers are set in one pipelined round trip with the server's clock: a worker
        finishing a batch of fifty accounts claims them in one go, not fifty."""
        storage = self.huey.storage
        if not isinstance(storage, RedisStorage):
            now = self.clock()
            return [crm_id for marker, crm_id in markers.items() if self._claim(marker, now)]
        if not markers:
            return []
        now = self.clock()
        stamp = self.huey.serializer.serialize(now)
        pipe = storage.conn.pipeline(transaction=False)
        for marker in markers:
            pipe.hsetnx(storage.result_key, marker, stamp)
        claimed = pipe.execute()
        fresh = [crm_id for (marker, crm_id), new in zip(markers.items(), claimed, strict=True) if new]
        taken = [marker for marker, new in zip(markers, claimed, strict=True) if not new]
        if taken:
            fresh += [markers[marker] for marker in taken if self._stale(marker, now)]
        return fresh

    def _claim(self, marker: str, now: float) -> bool:
        return bool(self.huey.put_if_empty(marker, now)) or self._stale(marker, now)

    def _stale(self, marker: str, now: float) -> bool:
        """Re-set a marker left by a job lost with a crashed worker; True when it was."""
        since = self.huey.get(marker, peek=True)
        if isinstance(since, float) and now - since > MARKER_STALE_S:
            log.warning("a job marker is %.0f s old; its job was lost: queueing the change again", now - since)
            self.huey.put(marker, now)
            return True
        return False

    def _enqueue(self, task: Task) -> None:
        self.huey.enqueue(task)
        self.wakeup.set()

    # ---- the job side --------------------------------------------------------------------------

    def release_fetches(self, source: str, kind: ObjectKind, crm_ids: Iterable[str]) -> None:
        """Clear fetch markers as the job starts: later changes queue a new fetch."""
        self._delete_markers([_fetch_marker(source, kind, i) for i in crm_ids])

    def release_recalculations(self, source: str, crm_ids: Iterable[str]) -> None:
        """Clear recalculation markers as the job starts (after taking the account lock)."""
        self._delete_markers([_recalc_marker(source, i) for i in crm_ids])

    def pending_recalculations(self, source: str, crm_ids: Iterable[str]) -> dict[str, float]:
        """The accounts among these with a recalculation pending, each with when it was asked for."""
        keys = {_recalc_marker(source, crm_id): crm_id for crm_id in crm_ids}
        names = list(keys)
        found: dict[str, Any] = {}
        for start in range(0, len(names), 500):  # SQLite caps the parameters of one statement
            found.update(self.huey.storage.peek_many(names[start : start + 500]))
        asked = {keys[key]: self.huey.serializer.deserialize(raw) for key, raw in found.items()}
        return {crm_id: at if isinstance(at, float) else 0.0 for crm_id, at in asked.items()}

    def restore_recalculations(self, source: str, crm_ids: Iterable[str]) -> None:
        """Mark these recalculations pending again: their job failed after clearing them, and huey retries it."""
        now = self.clock()
        for crm_id in crm_ids:
            self.huey.put(_recalc_marker(source, crm_id), now)

    def release_covered(self, source: str, crm_ids: Iterable[str], before: float) -> None:
        """Clear the recalculations of these accounts asked for before `before` (by `clock`): an evaluation of
        their group that began after it has decided on their change, so their queued or deferred jobs find
        nothing to do."""
        pending = self.pending_recalculations(source, crm_ids)
        self._delete_markers([_recalc_marker(source, crm_id) for crm_id, at in pending.items() if at < before])

    def defer_recalculations(self, source: str, crm_ids: Sequence[str], delay_s: float = DEFER_S) -> None:
        """Run these recalculations later; their markers stay set, so changes keep merging in meanwhile."""
        if crm_ids:
            self.recalc_task.schedule((source, list(crm_ids)), delay=delay_s)

    def submit_channel_renewal(self) -> None:
        """Queue one renewal of the Zoho notification channels (serve does at start)."""
        self._enqueue(self.renew_task.s())

    def _delete_markers(self, keys: list[str]) -> None:
        if not keys:
            return
        storage = self.huey.storage
        if isinstance(storage, RedisStorage):
            storage.conn.hdel(storage.result_key, *keys)
        elif isinstance(storage, SqliteStorage):
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                storage.sql(f"delete from kv where queue = ? and key in ({marks})", (storage.name, *chunk), True)  # noqa: S608
        else:
            for key in keys:
                self.huey.delete(key)

    def gather(self, first: Task) -> list[Task]:
        """`first` and the jobs queued behind it (up to WINDOW), merged by kind and source: fetches
        first, then recalculations (which then see what those fetches stored), then anything else.

        Under steady load the queue interleaves fetches (from notifications) with recalculations
        (from finished fetches), so merging only neighbours would batch nothing. The caller runs one
        full batch per kind and source; the batches beyond it go back on the queue, where another
        worker takes them: a backlog is drained by every worker at once, not by whichever took it.
        """
        taken = [first, *self.dequeue_nowait_many(WINDOW - 1)]
        groups: dict[BatchKey, list[str]] = {}
        retries: dict[BatchKey, int] = {}  # the smallest retry budget merged into each batch
        others: list[Task] = []
        now = utcnow()  # huey keeps etas in naive UTC
        for task in taken:
            key = self._batch_key(task, now)
            if key is None:
                others.append(task)
            else:
                groups.setdefault(key, []).extend(task.args[-1])
                retries[key] = min(retries.get(key, RETRIES), task.retries)
        mine: list[Task] = []
        for key in sorted(groups, key=lambda k: k.job != "fetch"):  # stable: fetches first
            ids = list(dict.fromkeys(groups[key]))
            limit = FETCH_BATCH if key.job == "fetch" else RECALC_BATCH
            mine.append(self._rebuild(key, ids[:limit], retries[key]))
            for start in range(limit, len(ids), limit):
                # Markers stay set: the requeued batch still covers these ids, so changes keep merging.
                self._enqueue(self._rebuild(key, ids[start : start + limit], retries[key]))
        return mine + others

    def _batch_key(self, task: Task, now: datetime) -> BatchKey | None:
        if task.eta is not None and task.eta > now:
            return None  # deferred or retried, not yet due: huey holds it until its time
        # Due deferrals merge too: the recalculations deferred by one group cool-down come due together
        # and run as one batch rather than one account at a time.
        if isinstance(task, self.fetch_task.task_class):
            return BatchKey("fetch", task.args[0], task.args[1])
        if isinstance(task, self.recalc_task.task_class):
            return BatchKey("recalc", task.args[0])
        return None

    def _rebuild(self, key: BatchKey, ids: list[str], retries: int) -> Task:
        if key.job == "fetch":
            task: Task = self.fetch_task.s(key.source, key.kind, ids)
        else:
            task = self.recalc_task.s(key.source, ids)
        task.retries = retries  # a batch holding a retried job keeps that job's smaller budget
        return task

    def dequeue_nowait_many(self, count: int) -> list[Task]:
        """Up to `count` queued jobs without waiting; on Redis in one round trip (RPOP with a count)."""
        storage = self.huey.storage
        if isinstance(storage, RedisStorage):
            raw = storage.conn.rpop(storage.queue_key, count) or []
            return [self.huey.deserialize_task(data) for data in raw]
        taken: list[Task] = []
        while len(taken) < count and (task := self.dequeue_nowait()) is not None:
            taken.append(task)
        return taken

    def dequeue_nowait(self) -> Task | None:
        """The next queued job without waiting (Redis dequeues block for a second otherwise)."""
        storage = self.huey.storage
        data = storage.conn.rpop(storage.queue_key) if isinstance(storage, RedisStorage) else storage.dequeue()
        return self.huey.deserialize_task(data) if data is not None else None

    def pending(self) -> int:
        """Jobs waiting in the queue (not counting scheduled retries)."""
        return int(self.huey.pending_count())

    def waiting_changes(self) -> int:
        """Pending markers: records and accounts with a job queued, scheduled or taken but not yet started."""
        return int(self.huey.storage.result_store_size())

    def scheduled(self) -> int:
        """Jobs scheduled for later (deferred or retried)."""
        return int(self.huey.scheduled_count())

    def ping(self) -> bool:
        """Whether the queue's storage answers."""
        try:
            self.huey.storage.queue_size()
        except Exception:  # any driver error means unreachable; the reason is logged, not shown
            log.warning("the queue is not reachable", exc_info=True)
            return False
        return True

    def _handler(self) -> JobHandlers:
        if self.handlers is None:
            raise RuntimeError("this process has no worker attached to the queue")
        return self.handlers

    def _run_fetch(self, source: str, kind: ObjectKind, crm_ids: list[str]) -> None:
        if kind not in OBJECT_KINDS:
            log.error("a fetch job for an unknown kind %r was dropped", kind)
            return
        self._handler().fetch(source, kind, crm_ids)

    def _run_recalculation(self, source: str, crm_ids: list[str]) -> None:
        self._handler().recalculate(source, crm_ids)

    def _run(self, name: str) -> Any:
        def run() -> None:
            getattr(self._handler(), name)()

        run.__name__ = name
        run.__module__ = __name__
        return run

    def close(self) -> None:
        """Release the storage's connections."""
        self.huey.storage.close()


def _fetch_marker(source: str, kind: str, crm_id: str) -> str:
    return f"pending.fetch.{source}.{kind}.{crm_id}"


def _recalc_marker(source: str, crm_id: str) -> str:
    return f"pending.recalc.{source}.{crm_id}"
