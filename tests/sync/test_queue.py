"""The job queue: huey backends, merging while queued, batching, and markers cleared by the worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey

from connectors.base import ObjectKind
from connectors.errors import ConfigError
from sync.config import QueueConfig
from sync.queue import FETCH_BATCH, RECALC_BATCH, JobQueue, every_minutes, open_huey
from tests.sync.queue_helpers import drain, redis_queue, sqlite_queue


class Recorder:
    """JobHandlers that only record what they were asked to do, releasing markers as a worker does."""

    def __init__(self, jobs: JobQueue) -> None:
        self.jobs = jobs
        self.fetches: list[tuple[str, str, list[str]]] = []
        self.recalculations: list[tuple[str, list[str]]] = []
        self.periodic: list[str] = []
        jobs.handlers = self

    def fetch(self, source: str, kind: ObjectKind, crm_ids: Sequence[str]) -> None:
        self.jobs.release_fetches(source, kind, crm_ids)
        self.fetches.append((source, kind, list(crm_ids)))

    def recalculate(self, source: str, crm_ids: Sequence[str]) -> None:
        self.jobs.release_recalculations(source, crm_ids)
        self.recalculations.append((source, list(crm_ids)))

    def periodic_sync(self) -> None:
        self.periodic.append("sync")

    def daily_evaluation(self) -> None:
        self.periodic.append("daily")

    def renew_channels(self) -> None:
        self.periodic.append("renew")

    def renew_now(self) -> None:
        self.periodic.append("renew_now")

    def send_digest(self) -> None:
        self.periodic.append("digest")


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def jobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobQueue]:
    """A queue on each backend."""
    if request.param == "sqlite":
        queue = sqlite_queue(tmp_path)
        yield queue
        queue.close()
    else:
        yield from redis_queue()


def test_the_queue_url_picks_the_huey_backend(tmp_path: Path) -> None:
    assert isinstance(open_huey(f"sqlite:///{tmp_path / 'q.db'}"), SqliteHuey)
    assert isinstance(open_huey("redis://127.0.0.1:6379/15"), RedisHuey)
    with pytest.raises(ConfigError, match="not supported"):
        open_huey("amqp://localhost")
    with pytest.raises(ConfigError, match="needs a file"):
        open_huey("sqlite:///:memory:")


@pytest.mark.redis
def test_queues_named_apart_share_a_redis_database_without_seeing_each_other(redis_url: str) -> None:
    ours, theirs = (JobQueue.open(QueueConfig(url=redis_url, name=f"q{uuid.uuid4().hex[:10]}")) for _ in range(2))
    try:
        ours.submit_changes("sf", "invoice", ["I1"])
        assert theirs.submit_changes("sf", "invoice", ["I1"]) == 1  # its own marker: not merged into ours
        theirs.huey.storage.flush_all()
        assert ours.pending() == 1 and ours.waiting_changes() == 1
    finally:
        for jobs in (ours, theirs):
            jobs.huey.storage.flush_all()
            jobs.close()


def test_changes_to_a_pending_record_merge_into_the_queued_fetch(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    assert jobs.submit_changes("sf", "invoice", ["I1", "I2"]) == 2
    assert jobs.submit_changes("sf", "invoice", ["I2", "I1", "I3"]) == 1
    assert jobs.pending() == 2
    drain(jobs)
    assert recorder.fetches == [("sf", "invoice", ["I1", "I2", "I3"])]  # the two jobs ran as one batch


def test_a_change_arriving_after_the_fetch_started_queues_exactly_one_more(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    jobs.submit_changes("sf", "invoice", ["I1"])
    drain(jobs)
    assert jobs.submit_changes("sf", "invoice", ["I1"]) == 1
    assert jobs.submit_changes("sf", "invoice", ["I1"]) == 0
    drain(jobs)
    assert [ids for _, _, ids in recorder.fetches] == [["I1"], ["I1"]]


def test_a_burst_for_one_account_becomes_one_recalculation(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    for _ in range(20):
        jobs.submit_recalculations("sf", ["A1"])
    jobs.submit_recalculations("zoho", ["A1"])
    drain(jobs)
    assert sorted(recorder.recalculations) == [("sf", ["A1"]), ("zoho", ["A1"])]


def test_batches_keep_source_and_kind_apart_and_stop_at_the_batch_size(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    for i in range(FETCH_BATCH + 5):
        jobs.submit_changes("sf", "invoice", [f"I{i}"])
    jobs.submit_changes("sf", "account", ["A1"])
    jobs.submit_changes("zoho", "invoice", ["Z1"])
    drain(jobs)
    sizes = [(source, kind, len(ids)) for source, kind, ids in recorder.fetches]
    assert sizes == [("sf", "invoice", FETCH_BATCH), ("sf", "invoice", 5), ("sf", "account", 1), ("zoho", "invoice", 1)]


def test_a_worker_keeps_one_batch_and_requeues_the_rest_for_other_workers(jobs: JobQueue) -> None:
    for start in range(0, 3 * RECALC_BATCH, 10):
        jobs.submit_recalculations("sf", [f"A{i}" for i in range(start, start + 10)])
    first = jobs.dequeue_nowait()
    assert first is not None
    kept = jobs.gather(first)
    assert [len(task.args[-1]) for task in kept] == [RECALC_BATCH]
    assert jobs.pending() == 2  # two more full batches, for whichever worker asks next
    assert jobs.submit_recalculations("sf", ["A1", f"A{2 * RECALC_BATCH}"]) == 0  # still covered: merged


def test_a_deferred_recalculation_keeps_absorbing_changes_until_it_runs(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    jobs.submit_recalculations("sf", ["A1"])
    jobs.dequeue_nowait()  # a worker took it and found the group busy
    jobs.defer_recalculations("sf", ["A1"])
    assert jobs.submit_recalculations("sf", ["A1"]) == 0  # still pending: merged
    assert drain(jobs) == 1 and recorder.recalculations == []  # not yet due: huey schedules it
    assert jobs.scheduled() == 1
    drain(jobs, include_scheduled=True)
    assert recorder.recalculations == [("sf", ["A1"])]


def test_recalculations_deferred_one_by_one_run_as_one_batch_once_due(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    for account in ("A1", "A2", "A3"):
        jobs.defer_recalculations("sf", [account], delay_s=0)  # due at once (each carries its eta)
    drain(jobs)
    assert recorder.recalculations == [("sf", ["A1", "A2", "A3"])]


def test_a_marker_left_by_a_lost_job_stops_merging_once_stale(jobs: JobQueue, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs.submit_changes("sf", "invoice", ["I1"])
    jobs.dequeue_nowait()  # the worker holding it died before clearing the marker
    assert jobs.submit_changes("sf", "invoice", ["I1"]) == 0
    later = jobs.clock() + 2 * 3600
    monkeypatch.setattr(JobQueue, "clock", lambda self: later)
    assert jobs.submit_changes("sf", "invoice", ["I1"]) == 1


def test_periodic_tasks_are_registered_and_run_the_handlers(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    names = {task.name for task in jobs.huey.read_periodic(datetime(2026, 11, 28, 2, 15))}
    assert {"periodic_sync", "daily_evaluation"} <= names
    for task in jobs.huey.read_periodic(datetime(2026, 11, 28, 3, 45)):
        jobs.huey.execute(task)
    assert "renew" in recorder.periodic
    digest_hour = {task.name for task in jobs.huey.read_periodic(datetime(2026, 11, 28, 7, 30))}
    assert "send_digest" in digest_hour and "send_digest" not in names  # every hour at :30


def test_every_minutes_counts_from_the_epoch() -> None:
    every_15 = every_minutes(15)
    assert every_15(datetime(2026, 11, 28, 12, 30)) and not every_15(datetime(2026, 11, 28, 12, 31))
    assert all(every_minutes(1)(datetime(2026, 1, 1, 0, m)) for m in range(60))


def test_the_queue_answers_a_ping(jobs: JobQueue) -> None:
    assert jobs.ping()


def test_interleaved_fetches_and_recalculations_are_merged_fetches_first(jobs: JobQueue) -> None:
    recorder = Recorder(jobs)
    jobs.submit_changes("sf", "invoice", ["I1"])
    jobs.submit_recalculations("sf", ["A1"])
    jobs.submit_changes("sf", "invoice", ["I2"])
    jobs.submit_recalculations("sf", ["A2"])
    assert drain(jobs) == 2
    assert recorder.fetches == [("sf", "invoice", ["I1", "I2"])]
    assert recorder.recalculations == [("sf", ["A1", "A2"])]


def test_a_key_is_spent_once_on_redis_and_left_to_the_store_on_sqlite(jobs: JobQueue) -> None:
    if jobs.is_sqlite:
        assert jobs.spend_once("signature.ab", 660) is None  # the store keeps a SQLite machine's receipts
        return
    assert jobs.spend_once("signature.ab", 660) is True
    assert jobs.spend_once("signature.ab", 660) is False
    assert jobs.spend_once("signature.cd", 660) is True
    storage = jobs.huey.storage
    assert 0 < storage.conn.ttl(f"{storage.name}.spent.signature.ab") <= 660  # forgotten once it cannot be valid
