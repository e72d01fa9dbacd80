"""Learning each Salesforce source's org id in the background, so Outbound Messages can be checked.

`serve` logs in to every Salesforce source at start (the identity call names the org); until that
succeeds, its Outbound Messages are answered 503 and Salesforce retries them later. A login that
fails is retried with growing pauses (up to a minute) for as long as `serve` runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

FIRST_PAUSE_S, LONGEST_PAUSE_S = 1.0, 60.0


class OrgIds:
    """Which sources' org ids are known; `start()` learns the missing ones in a daemon thread."""

    def __init__(self, sources: Iterable[str], connector: Callable[[str], Any]) -> None:
        self.connector = connector
        self._pending = list(dict.fromkeys(sources))
        self._known: set[str] = set()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def known(self, source: str) -> bool:
        """Whether Outbound Messages of `source` can be verified now."""
        return source in self._known

    def learn(self, source: str) -> bool:
        """Try once: True when the org id is known (configured, or learned by logging in)."""
        try:
            org_id = getattr(self.connector(source), "organization_id", "unchecked")
        except Exception as exc:  # a config or network problem; logged without details that may hold secrets
            log.warning("%s: cannot build the connector to learn the org id: %s", source, type(exc).__name__)
            return False
        if org_id is None:
            return False
        self._known.add(source)
        return True

    def start(self) -> None:
        """Learn what is missing in a daemon thread (the first try at once)."""
        if self._pending and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="serve:org-ids", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        pause = FIRST_PAUSE_S
        while True:
            self._pending = [s for s in self._pending if not self.learn(s)]
            if not self._pending or self._stop.wait(pause):
                break
            pause = min(pause * 2, LONGEST_PAUSE_S)
        self._done.set()

    def wait(self, timeout_s: float) -> bool:
        """Block until every org id is known (or the timeout passes)."""
        return not self._pending or (self._done.wait(timeout_s) and not self._pending)

    def stop(self) -> None:
        """Stop trying."""
        self._stop.set()
