"""A `crm-credit sync` in a child process over a FakeCrm saved as JSON, for kill -9 tests.

    python -m tests.fakes.sync_child CRM_JSON STORE_URL SCHEMA|- PHASE N

PHASE (pull | evaluate | push | none) and N say where the child stops and waits to be killed:
after N pulled records, before evaluation chunk N, or after the CRM applied push batch N.
It prints `WAITING` when it got there, `DONE <exit code>` when it finished.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from connectors.registry import register_connector
from sync import evaluation
from sync.engine import SyncEngine
from sync.store import Store
from tests.fakes.fake_crm import FakeConnector, FakeCrm, Faults
from tests.sync.builders import make_config


def _wait_to_be_killed() -> None:
    print("WAITING", flush=True)
    while True:
        time.sleep(1)


class _PausingConnector(FakeConnector):
    def __init__(self, *args: Any, phase: str, n: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phase, self.n = phase, n

    def pull_changed(self, kind: Any, window: Any) -> Any:
        for record in super().pull_changed(kind, window):
            if self.phase == "pull" and len(self.pulled_ids) > self.n:
                _wait_to_be_killed()
            yield record

    def push(self, writes: Any) -> Any:
        outcomes = super().push(writes)  # the CRM has applied and saved the batch
        if self.phase == "push" and self._push_batches >= self.n:
            _wait_to_be_killed()
        return outcomes


def main(argv: list[str]) -> int:
    """Run one sync; see the module docstring."""
    crm_path, url, schema, phase, n = argv[0], argv[1], argv[2], argv[3], int(argv[4])
    crm = FakeCrm.load(Path(crm_path))

    def factory(source: str, settings: Any, context: Any) -> FakeConnector:
        return _PausingConnector(source, settings, crm, Faults(), phase=phase, n=n)

    register_connector("salesforce", factory)
    evaluation._CHUNK = 2  # several chunks even for a small portfolio
    if phase == "evaluate":
        original = evaluation.Evaluator._decide
        calls = {"n": 0}

        def pausing(self: Any, chunk: Any, groups: Any, now: Any) -> None:
            if chunk:
                calls["n"] += 1
                if calls["n"] > n:
                    _wait_to_be_killed()
            original(self, chunk, groups, now)

        evaluation.Evaluator._decide = pausing  # type: ignore[method-assign]
    store = Store.open(url, schema=None if schema == "-" else schema)
    engine = SyncEngine(make_config(url, checkpoint_every=3), store, clock=lambda: crm.now)
    report = engine.sync()
    print(f"DONE {int(report.problems)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
