"""Running the queue: huey's consumer with workers that merge queued jobs into batches.

Each worker thread takes the next job and the jobs of the same kind and source queued right behind
it (`JobQueue.gather`), so a backlog of single-record notifications costs one CRM call per hundred
records instead of one per record. Inside `serve` the consumer runs embedded (threads, no signal
handlers, woken by the intake's enqueue); `crm-credit worker` runs it as the process's main loop.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from huey.consumer import Consumer, Scheduler, Worker

from sync.queue import JobQueue

log = logging.getLogger(__name__)

# How often the schedule is read for jobs come due: a recalculation deferred until its group cools down
# runs within this of its time. huey's own floor is a second, which made every deferral up to a second
# late and put a tail of such seconds on the end of every backlog drain.
SCHEDULE_POLL_S = 0.05


class BatchingWorker(Worker):  # type: ignore[misc]  # huey is untyped
    """A huey worker thread that runs merged batches and sleeps until woken or polled."""

    def __init__(self, jobs: JobQueue, **options: Any) -> None:
        super().__init__(**options)
        self.jobs = jobs

    def loop(self, now: datetime | None = None) -> None:
        """Run the next job, merged with the compatible jobs queued behind it."""
        try:
            task = self.huey.dequeue()
        except Exception:  # the storage was briefly unreachable: log, back off, try again
            self._logger.exception("Error reading from queue")
            self.sleep()
            return
        if task is None:
            if not self.huey.storage.blocking:
                self.sleep()
            return
        self.delay = self.default_delay
        for job in self.jobs.gather(task):
            try:
                self.huey.execute(job, now)
            except Exception:  # huey has recorded it (and scheduled a retry if any remain)
                self._logger.exception("Unhandled error during execution of task %s.", job.id)

    def sleep(self) -> None:
        """Wait for the next poll, or less when this process enqueued something."""
        self.delay = min(self.delay, self.max_delay)
        if self.jobs.wakeup.wait(self.delay):
            self.jobs.wakeup.clear()
        else:
            self.delay *= self.backoff


class PromptScheduler(Scheduler):  # type: ignore[misc]  # huey is untyped
    """huey's scheduler reading the schedule every SCHEDULE_POLL_S (periodic tasks are still checked
    once a minute): one small read of the schedule per poll, nothing when nothing is due."""

    def __init__(self, huey: Any, stop_flag: Any, interval: float, periodic: bool) -> None:
        super().__init__(huey, stop_flag, interval, periodic)
        self.interval = SCHEDULE_POLL_S


class JobConsumer(Consumer):  # type: ignore[misc]  # huey is untyped
    """huey's consumer with batching workers; `embedded` for a consumer inside `serve`."""

    scheduler_class = PromptScheduler

    def __init__(self, jobs: JobQueue, workers: int = 1, embedded: bool = False, periodic: bool = True) -> None:
        self.jobs = jobs
        self.embedded = embedded
        # A SQLite queue is polled (max 0.1 s apart, so latency stays low across processes);
        # Redis dequeues block until a job arrives.
        super().__init__(
            jobs.huey,
            workers=workers,
            periodic=periodic,
            initial_delay=0.01,
            backoff=1.5,
            max_delay=0.1,
            worker_type="thread",
            check_worker_health=not embedded,
            # SIGTERM (systemd, Kubernetes) lets running batches finish; a second signal stops at once.
            graceful_signal="TERM",
            shutdown_timeout=60,
        )

    def _create_worker(self) -> BatchingWorker:
        return BatchingWorker(
            self.jobs,
            huey=self.huey,
            stop_flag=self.stop_flag,
            default_delay=self.default_delay,
            max_delay=self.max_delay,
            backoff=self.backoff,
            max_tasks=self.max_tasks,
        )

    def _set_signal_handlers(self) -> None:
        # Embedded in `serve`, uvicorn owns the signals (and huey may not run on the main thread).
        if not self.embedded:
            super()._set_signal_handlers()

    def stop_embedded(self) -> None:
        """Stop an embedded consumer, letting running jobs finish."""
        self.stop(graceful=True)
