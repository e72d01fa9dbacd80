"""Which parts of a Decision make it "changed" (DESIGN §2): only such changes get history and a write-back.

Figures that drift with the calendar (`max_days_past_due`, `dso`, `add`, `paydex`) and `evaluated_at`
are left out: they are refreshed in the current decision without history, so an unchanged re-run
writes nothing.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

from credit_core.models import Decision

DRIFTING: frozenset[str] = frozenset({"max_days_past_due", "dso", "add", "paydex", "evaluated_at"})
MATERIAL: tuple[str, ...] = tuple(f.name for f in fields(Decision) if f.name not in DRIFTING)
_material_values = attrgetter(*MATERIAL)


def material_fields(decision: Decision) -> tuple[Any, ...]:
    """The values whose change makes a new decision (everything but drifting figures and evaluated_at)."""
    values: tuple[Any, ...] = _material_values(decision)
    return values


def is_material_change(previous: Decision | None, new: Decision) -> bool:
    """True when `new` differs from `previous` in anything but the drifting figures (or there is none)."""
    return previous is None or material_fields(previous) != material_fields(new)


def changed_fields(previous: Decision | None, new: Decision) -> tuple[str, ...]:
    """The material fields that differ, in Decision order (all of them when there is no previous)."""
    if previous is None:
        return MATERIAL
    return tuple(name for name in MATERIAL if getattr(previous, name) != getattr(new, name))
