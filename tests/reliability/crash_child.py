"""The real `crm-credit sync` in a child process that kill -9s itself at a chosen step, for crash-resume tests.

    python -m tests.reliability.crash_child CONFIG PHASE:N STEP_LOG

A step is one store commit or one HTTP exchange with the CRM; the phase is the part of the sync
running it (pull, evaluate, push). The child appends every step to STEP_LOG as `phase kind` lines
(`phase commit`, `phase http METHOD PATH`)
and, when it reaches step N of PHASE, SIGKILLs itself at once: no `finally`, no flush, no rollback,
exactly as `kill -9` would. A store commit is caught just before it reaches the database, an HTTP
exchange just after the CRM answered (so a write is applied but its outcome never recorded).
`none:0` runs to the end; the step log of that run tells the parent how many steps each phase has.

Product code knows nothing of this: the hooks wrap our own classes here, never a library's.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import event

from cli import sync_cmd  # noqa: F401  registers `sync` (the other commands' imports only cost start-up time)
from cli.app import run_app
from connectors.http import RetryingSession
from sync import evaluation
from sync.engine import SyncEngine

PHASES = ("pull", "evaluate", "push")
EVALUATION_CHUNK = 8  # several evaluation commits even for a small portfolio


class CrashPlan:
    """Counts steps per phase, logs each, and kills the process at the chosen one."""

    def __init__(self, phase: str, n: int, log: Path) -> None:
        self.target, self.n = phase, n
        self.phase: str | None = None
        self.counts: Counter[str] = Counter()
        self.log = log.open("a", encoding="utf-8", buffering=1)

    def step(self, kind: str) -> None:
        """One commit or HTTP exchange happened in the current phase."""
        if self.phase is None:
            return
        self.counts[self.phase] += 1
        self.log.write(f"{self.phase} {kind}\n")
        if self.phase == self.target and self.counts[self.phase] == self.n:
            self.log.write("KILLED\n")
            os.kill(os.getpid(), signal.SIGKILL)

    def during(self, phase: str, method: Callable[..., Any]) -> Callable[..., Any]:
        """`method` with the current phase set while it runs."""

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            outer, self.phase = self.phase, phase
            try:
                return method(*args, **kwargs)
            finally:
                self.phase = outer

        return wrapped


def install(plan: CrashPlan) -> None:
    """Hook the plan into the engine's phases, every store commit and every CRM call."""
    SyncEngine.pull_source = plan.during("pull", SyncEngine.pull_source)  # type: ignore[method-assign]
    SyncEngine.evaluate = plan.during("evaluate", SyncEngine.evaluate)  # type: ignore[method-assign]
    SyncEngine._push_into = plan.during("push", SyncEngine._push_into)  # type: ignore[method-assign]
    event.listen(sa.engine.Engine, "commit", lambda conn: plan.step("commit"))
    request = RetryingSession.request

    def counted(self: RetryingSession, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        response = request(self, method, url, *args, **kwargs)
        plan.step(f"http {method!s} {urlsplit(str(url)).path}")  # the path tells a Fxiaoke write from a read
        return response

    RetryingSession.request = counted  # type: ignore[method-assign]
    evaluation._CHUNK = EVALUATION_CHUNK


def main(argv: list[str]) -> int:
    """Run `crm-credit --config CONFIG sync` with the crash plan installed."""
    config, where, log = argv
    phase, n = where.split(":")
    install(CrashPlan(phase, int(n), Path(log)))
    return run_app(["--config", config, "sync", "--json"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
