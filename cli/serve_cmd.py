"""`crm-credit serve` and `crm-credit worker` (DESIGN §4): the webhook receiver and the queue's worker.

`serve` runs the worker in-process when the queue is SQLite (one machine, nothing to install) unless
`--no-worker`; with a Redis queue, run `crm-credit worker` processes next to any number of `serve`s.
"""

from __future__ import annotations

import gc
import logging
from typing import Annotated

import typer
import uvicorn

from cli.app import app, console, handle_errors, state
from sync.config import AppConfig, load_config
from sync.consumer import JobConsumer
from sync.queue import JobQueue
from sync.store import Store
from sync.worker import Worker
from webhooks.app import create_app

log = logging.getLogger(__name__)


def _logging() -> None:
    logging.basicConfig(level=logging.DEBUG if state.debug else logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # huey logs every task at INFO; at hundreds of notifications a second that drowns what matters.
    logging.getLogger("huey").setLevel(logging.DEBUG if state.debug else logging.WARNING)


def _settle() -> None:
    """Move everything loaded at start into the collector's permanent generation.

    A long-running process's full collections otherwise rescan the ~150k objects of its imports and
    config every few hundred recalculations (80-120 ms of CPU each, a latency spike for whatever job
    is running); they never become garbage.
    """
    gc.collect()
    gc.freeze()


def _zoho_channels_wanted(config: AppConfig) -> bool:
    return bool(config.webhooks.public_url) and any(s.kind == "zoho" for s in config.sources.values())


@app.command("serve")
@handle_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Do not run the worker in this process.")] = False,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads when run in-process.")] = 2,
) -> None:
    """Webhook receiver and API; runs the worker in-process when the queue is SQLite."""
    _logging()
    config = load_config(state.config_path())
    store = Store.open(config.store.url)
    jobs = JobQueue.open(config.queue)
    consumer: JobConsumer | None = None
    worker: Worker | None = None
    try:
        if jobs.is_sqlite and not no_worker:
            worker = Worker(config, store, jobs).attach()
            consumer = JobConsumer(jobs, workers=threads, embedded=True)
            consumer.start()
        if _zoho_channels_wanted(config):
            jobs.submit_channel_renewal()  # opens a channel on a first start, renews one close to expiry
        console().print(
            f"crm-credit serve on http://{host}:{port} (worker: {'in-process' if consumer else 'separate'})"
        )
        web = create_app(config, store, jobs, config_path=state.config_path())  # the path: an editable mapping
        _settle()
        uvicorn.run(web, host=host, port=port, access_log=False, log_level="warning")
    finally:
        if consumer is not None:
            consumer.stop_embedded()
        if worker is not None:
            worker.close()
        jobs.close()
        store.close()


@app.command("worker")
@handle_errors
def worker_command(
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads in this process.")] = 1,
    no_schedules: Annotated[
        bool, typer.Option("--no-schedules", help="Leave the periodic sync and daily tasks to other workers.")
    ] = False,
) -> None:
    """Queue worker (for a Redis queue; also works on the SQLite queue of one machine)."""
    _logging()
    config = load_config(state.config_path())
    store = Store.open(config.store.url)
    jobs = JobQueue.open(config.queue)
    worker = Worker(config, store, jobs).attach()
    try:
        consumer = JobConsumer(jobs, workers=threads, periodic=not no_schedules)
        _settle()
        consumer.run()
    finally:
        worker.close()
        jobs.close()
        store.close()
