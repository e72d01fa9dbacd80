"""`serve` inside the demo: the webhook receiver on a free loopback port, with the in-process worker.

The same pieces `crm-credit serve` runs (app factory, SQLite queue, embedded consumer, worker), in a
background thread, so the demo can show a CRM notification flowing through them and then stop them.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from connectors.errors import CrmCreditError
from sync.config import AppConfig
from sync.store import Store


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Receiver:
    """A running receiver: its URL and the parts to stop."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    parts: tuple[Any, ...]  # consumer, worker, jobs: stopped in this order

    def stop(self) -> None:
        """Stop serving, then the consumer, the worker and the queue."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        consumer, worker, jobs = self.parts
        consumer.stop_embedded()
        worker.close()
        jobs.close()


def start_receiver(
    config: AppConfig, store: Store, port: int, config_path: Path | None = None, timeout_s: float = 20.0
) -> Receiver:
    """Start app + worker as `crm-credit serve` does on one machine; wait until it answers."""
    from sync.consumer import JobConsumer
    from sync.queue import JobQueue
    from sync.worker import Worker
    from webhooks.app import create_app

    jobs = JobQueue.open(config.queue)
    worker = Worker(config, store, jobs).attach()
    consumer = JobConsumer(jobs, workers=2, embedded=True)
    consumer.start()
    app = create_app(config, store, jobs, config_path=config_path)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="demo-serve", daemon=True)
    thread.start()
    receiver = Receiver(f"http://127.0.0.1:{port}", server, thread, (consumer, worker, jobs))
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            receiver.stop()
            raise CrmCreditError(f"the receiver did not start on port {port}")
        time.sleep(0.05)
    return receiver
