"""kill -9 the real `crm-credit sync` at seeded random steps of pull, evaluate and push, then run it again:
the store, the decisions, the outbox and the CRM end as after an uninterrupted sync, and no account was
written more often.

The fast part kills a small Salesforce org's and a small Fxiaoke tenant's sync at one step per phase on
each backend (in push: right after the CRM answered a write, so its outcome is unknown); `slow` kills
bigger Salesforce, Zoho and Fxiaoke syncs at 13 steps each, and kills a resumed sync too. Each step is a
store commit or a CRM call (see `crash_child`).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.reliability.conftest import StoreTarget, new_store_target
from tests.reliability.crashes import (
    KillPoint,
    assert_same_end,
    choose_points,
    early_point,
    interrupted,
    uninterrupted,
)

FAST_ACCOUNTS, FAST_SEED = 12, 901
SLOW_ACCOUNTS, SLOW_SEED = 120, 1709


def _kill_and_compare(
    crm: str, folder: Path, target: StoreTarget, backend: str, accounts: int, seed: int, per_phase: dict[str, int]
) -> list[KillPoint]:
    clean = uninterrupted(crm, folder / "clean", target, accounts, seed)
    assert clean.decisions and clean.writes, "the clean run decided or wrote nothing"
    points = list(dict.fromkeys([*choose_points(seed, clean.steps, per_phase), clean.write_answered()]))
    for i, point in enumerate(points):
        with new_store_target(backend, folder) as fresh:
            resumed = interrupted(crm, folder / f"kill-{i}", fresh, accounts, seed, point)
        assert_same_end(point, clean, resumed)
    return points


@pytest.mark.parametrize("crm", ["salesforce", "fxiaoke"])
def test_kill_9_in_each_phase_then_rerun_ends_like_an_uninterrupted_sync(
    crm: str, store_target: StoreTarget, backend: str, tmp_path: Path
) -> None:
    per_phase = {"pull": 1, "evaluate": 1}  # push: the step right after the CRM answered a write
    points = _kill_and_compare(crm, tmp_path, store_target, backend, FAST_ACCOUNTS, FAST_SEED, per_phase)
    assert {p.phase for p in points} == {"pull", "evaluate", "push"}


@pytest.mark.slow
@pytest.mark.parametrize("crm", ["salesforce", "zoho", "fxiaoke"])
def test_kill_9_at_a_dozen_seeded_steps_of_a_bigger_sync(
    crm: str, store_target: StoreTarget, backend: str, tmp_path: Path
) -> None:
    per_phase = {"pull": 5, "evaluate": 3, "push": 4}
    points = _kill_and_compare(crm, tmp_path, store_target, backend, SLOW_ACCOUNTS, SLOW_SEED, per_phase)
    assert len(points) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("crm", ["salesforce", "zoho", "fxiaoke"])
def test_kill_9_twice_in_a_row_then_rerun_still_ends_like_an_uninterrupted_sync(
    crm: str, store_target: StoreTarget, backend: str, tmp_path: Path
) -> None:
    clean = uninterrupted(crm, tmp_path / "clean", store_target, FAST_ACCOUNTS, FAST_SEED)
    rng = random.Random(FAST_SEED)
    firsts = [*choose_points(FAST_SEED, clean.steps, {"pull": 1, "evaluate": 1}), clean.write_answered()]
    for i, first in enumerate(firsts):
        second = early_point(rng)  # the resumed run dies too, early in a phase it always reaches
        with new_store_target(backend, tmp_path) as fresh:
            resumed = interrupted(crm, tmp_path / f"kill-{i}", fresh, FAST_ACCOUNTS, FAST_SEED, first, second)
        assert_same_end(f"{first} then {second}", clean, resumed)
