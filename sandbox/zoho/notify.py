"""Deliver callback bodies to `notify_url` from a background thread, retrying failed deliveries.

Zoho documents no retry policy [zoho.md §4, UNVERIFIED]; this sandbox retries a non-2xx answer or
a connection failure after each of `retry_delays` seconds, then gives up. Every attempt is logged
in `deliveries` so tests can see exactly what reached the receiver.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True)
class Delivery:
    """One POST attempt to a notify_url."""

    channel_id: str
    url: str
    body: dict[str, Any]
    attempt: int
    status: int | None  # None when the connection failed


class Notifier:
    """A worker thread that POSTs queued callbacks, with retries."""

    def __init__(self, retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0), verify: bool | str = True) -> None:
        self.retry_delays = retry_delays
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[tuple[str, str, dict[str, Any]] | None] = queue.Queue()
        self._done = threading.Condition()
        self._session = requests.Session()
        self._session.trust_env = False
        self._session.verify = verify
        self._thread = threading.Thread(target=self._run, name="zoho-notifier", daemon=True)
        self._sleep: Callable[[float], None] = time.sleep

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish and stop the delivery thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)
        self._session.close()

    def enqueue(self, channel_id: str, url: str, body: dict[str, Any]) -> None:
        """Queue one callback for delivery."""
        self._queue.put((channel_id, url, body))

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:  # stop
                return
            self._deliver(*job)

    def _deliver(self, channel_id: str, url: str, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        for attempt, delay in enumerate((0.0, *self.retry_delays), start=1):
            if delay:
                self._sleep(delay)
            status = self._post(url, payload)
            self._record(Delivery(channel_id, url, body, attempt, status))
            if status is not None and 200 <= status < 300:
                return

    def _post(self, url: str, payload: bytes) -> int | None:
        try:
            response = self._session.post(
                url, data=payload, headers={"Content-Type": "application/json"}, timeout=(3, 10)
            )
        except requests.RequestException:
            return None
        return response.status_code

    def _record(self, delivery: Delivery) -> None:
        with self._done:
            self.deliveries.append(delivery)
            self._done.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until at least `count` attempts are logged (or the timeout passes); returns the log."""
        with self._done:
            self._done.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout)
            return list(self.deliveries)
