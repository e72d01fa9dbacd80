"""End-to-end plumbing: `serve`'s app on a loopback port, workers in-process or as `crm-credit worker`
processes, on SQLite + SqliteHuey or PostgreSQL + Redis, against a sandbox CRM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import tomlkit
import uvicorn

from sync.config import AppConfig, load_config
from sync.consumer import JobConsumer
from sync.queue import JobQueue
from sync.store import Store
from sync.store.schema import runs
from sync.worker import Worker
from tests.conftest import PG_URL, REDIS_URL, require_service
from webhooks.app import create_app

ROOT = Path(__file__).resolve().parents[2]
SECRET = "live-secret"
TOKEN = "live-token-0123456789"


class ServeThread:
    """uvicorn serving an app on 127.0.0.1 in a daemon thread, lifespan on (as `serve` runs it)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: Any) -> None:
        """Serve `app` and wait until it accepts requests."""
        config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60  # generous: the machine running the tests may be loaded
        while not self._server.started:
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._sock.close()


@dataclass
class Backend:
    """Where store and queue live."""

    name: str
    store_url: str
    queue_url: str


@contextmanager
def backend(name: str, folder: Path) -> Iterator[Backend]:
    """`sqlite` (store and SqliteHuey files) or `pg+redis` (a fresh schema; `live` names the Redis queue)."""
    if name == "sqlite":
        yield Backend(name, f"sqlite:///{folder / 'store.db'}", f"sqlite:///{folder / 'queue.db'}")
        return
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield Backend(name, f"{PG_URL}?options=-csearch_path%3D{schema}", REDIS_URL)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def write_config(folder: Path, data: dict[str, Any]) -> Path:
    """The config as a TOML file (worker processes read it)."""
    path = folder / "crm-credit.toml"
    path.write_text(tomlkit.dumps(data))
    return path


@dataclass
class Live:
    """A running `serve` with its workers, over one source."""

    config_path: Path
    config: AppConfig
    store: Store
    jobs: JobQueue
    serve: ServeThread
    app: Any = None
    worker: Worker | None = None
    consumer: JobConsumer | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """Where `serve` listens."""
        return self.serve.url

    def wait_for_org_ids(self, timeout_s: float = 120.0) -> None:
        """Until `serve` knows every Salesforce source's org id (it logs in at start)."""
        assert self.app.state.service.org_ids.wait(timeout_s), "serve never learned the org id"

    def idle(self) -> bool:
        """No job queued or scheduled, and no run in progress."""
        if self.jobs.pending() or self.jobs.scheduled() or self.jobs.waiting_changes():
            return False
        with self.store.read() as conn:
            running = conn.execute(sa.select(sa.func.count()).select_from(runs).where(runs.c.outcome == "running"))
            return int(running.scalar_one()) == 0

    def wait_idle(self, timeout_s: float = 300.0, quiet_s: float = 1.0) -> None:
        """Wait until the workers have drained everything: idle at every check for `quiet_s` on end.

        A worker between clearing a fetch's markers and logging its run looks idle for a moment; on a
        loaded machine that moment can outlast a few quick checks, so idleness must last a while.
        """
        deadline = time.monotonic() + timeout_s
        quiet_since: float | None = None
        while quiet_since is None or time.monotonic() - quiet_since < quiet_s:
            assert time.monotonic() < deadline, f"workers still busy after {timeout_s} s"
            for process in self.processes:
                assert process.poll() is None, f"a worker process exited with {process.returncode}"
            if not self.idle():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            time.sleep(0.1)


@contextmanager
def live(folder: Path, data: dict[str, Any], worker_processes: int = 0, threads: int = 2) -> Iterator[Live]:
    """Start `serve` for `data` (a config dict; `webhooks.public_url` is filled in) and its workers:
    `threads` in-process worker threads, or `worker_processes` separate `crm-credit worker` processes."""
    serve = ServeThread()
    # A queue name of its own: runs sharing the test Redis database never take or flush each other's jobs.
    queue = {**data.get("queue", {}), "name": f"live-{uuid.uuid4().hex[:12]}"}
    data = {**data, "queue": queue, "webhooks": {**data.get("webhooks", {}), "public_url": serve.url}}
    path = write_config(folder, data)
    config = load_config(path)
    store = Store.open(config.store.url)
    jobs = JobQueue.open(config.queue)
    jobs.huey.storage.flush_all()
    running = Live(path, config, store, jobs, serve)
    try:
        if worker_processes:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            command = [sys.executable, "-m", "cli.main", "--config", str(path), "worker", "--no-schedules"]
            running.processes = [
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for _ in range(worker_processes)
            ]
        else:
            running.worker = Worker(config, store, jobs).attach()
            running.consumer = JobConsumer(jobs, workers=threads, embedded=True, periodic=False)
            running.consumer.start()
        running.app = create_app(config, store, jobs)
        serve.start(running.app)
        yield running
    finally:
        serve.stop()
        if running.consumer is not None:
            running.consumer.stop_embedded()
        for process in running.processes:
            process.terminate()
        for process in running.processes:
            process.wait(timeout=30)
        if running.worker is not None:
            running.worker.close()
        jobs.huey.storage.flush_all()
        jobs.close()
        store.close()
