"""Queue fixtures for tests: a JobQueue on SQLite or Redis, and a synchronous drain."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from huey.utils import utcnow

from sync.queue import JobQueue, open_huey
from tests.conftest import REDIS_URL, require_service


def sqlite_queue(folder: Path, sync_interval_s: int = 900) -> JobQueue:
    """A queue in a fresh SQLite file."""
    return JobQueue(open_huey(f"sqlite:///{folder / 'queue.db'}"), sync_interval_s)


def redis_queue(sync_interval_s: int = 900) -> Iterator[JobQueue]:
    """A queue under a name of its own in the test Redis database, flushed afterwards."""
    require_service("Redis", "127.0.0.1", 6379)
    jobs = JobQueue(open_huey(REDIS_URL, name=f"t{uuid.uuid4().hex[:10]}"), sync_interval_s)
    try:
        yield jobs
    finally:
        jobs.huey.storage.flush_all()
        jobs.close()


def drain(jobs: JobQueue, include_scheduled: bool = False, limit: int = 10_000) -> int:
    """Run queued jobs in this thread, merged as a worker merges them, until none is left; return runs."""
    runs = 0
    while runs < limit:
        at = utcnow() + timedelta(hours=1) if include_scheduled else None  # "later" is now
        if at is not None:
            for task in jobs.huey.read_schedule(at):
                jobs.huey.enqueue(task)
        task = jobs.dequeue_nowait()
        if task is None:
            return runs
        for job in jobs.gather(task):
            jobs.huey.execute(job, at)
            runs += 1
    raise AssertionError(f"the queue did not drain in {limit} runs")
