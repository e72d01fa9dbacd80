"""One measured figure as `bench.run_all` collects it: each bench module that feeds the table exposes
`figures(quick: bool) -> list[Figure]`, so one command prints every P figure beside its goal."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Figure:
    """`value` measured in `unit`; `goal` in the same unit (None where the issue sets none); `lower_is_better`
    says which side of the goal passes. `ratio` is value / goal, or a side-by-side ratio the issue asks for."""

    id: str  # "P1" … "P6", with a suffix for several figures of one target ("P3.sf.reads")
    name: str
    value: float
    unit: str
    goal: float | None = None
    lower_is_better: bool = True
    ratio: float | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.value <= self.goal if self.lower_is_better else self.value >= self.goal

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}
