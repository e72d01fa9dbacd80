"""Reports of the evaluate step (kept apart so reading them needs no credit core import)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EvaluationReport:
    """What one evaluation did."""

    evaluated: int = 0
    changed: int = 0  # material changes (history + audit)
    refreshed: int = 0  # calendar figures refreshed without history
    planned: int = 0  # accounts with a write queued
    tasks: int = 0  # owner tasks queued (credit_core.alerts)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
