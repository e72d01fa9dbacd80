"""Progress bars for the demo's full sync: one bar per (CRM, object) with its known size, then a spinner
while the accounts are evaluated and written back (the engine reports progress only while reading)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class SyncProgress:
    """`advance(source, kind, n)` is the engine's progress callback."""

    def __init__(self, out: Console, totals: dict[tuple[str, str], int], enabled: bool = True) -> None:
        self.totals = totals
        self.done: dict[tuple[str, str], int] = dict.fromkeys(totals, 0)
        self.bars: Progress | None = None
        if enabled and out.is_terminal:
            columns = (SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn())  # fmt: skip
            self.bars = Progress(*columns, console=out, transient=False)
        self.tasks: dict[tuple[str, str], Any] = {}
        self.finishing: Any = None

    def __enter__(self) -> SyncProgress:
        if self.bars is not None:
            self.bars.start()
            for (source, kind), total in self.totals.items():
                self.tasks[(source, kind)] = self.bars.add_task(f"{source}: {kind}s", total=total)
        return self

    def advance(self, source: str, kind: str, n: int) -> None:
        """Count records read; once every object is read, show the evaluate-and-write-back spinner."""
        key = (source, kind)
        self.done[key] = self.done.get(key, 0) + n
        if self.bars is None:
            return
        if key in self.tasks:
            self.bars.update(self.tasks[key], completed=min(self.done[key], self.totals.get(key, 0)))
        if self.finishing is None and all(self.done[k] >= t for k, t in self.totals.items()):
            self.finishing = self.bars.add_task("evaluating, writing back", total=None)

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.bars is not None:
            if self.finishing is not None:
                self.bars.update(self.finishing, total=1, completed=1)
            self.bars.stop()
