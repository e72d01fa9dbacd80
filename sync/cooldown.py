"""How long an account group rests after a re-evaluation began: longer the longer its burst of changes goes on.

The first re-evaluation of a quiet group is never delayed. Changes arriving while the group rests
wait for the rest to end and are decided together, so a burst is decided a handful of times, not once
per change. The rest grows step by step while the group keeps being re-evaluated (0.25 s, 0.75 s,
2 s, then 4 s each time): a group changed twice — one account's two invoices in two fetches of a
backlog — is decided again a quarter of a second after the first decision began, while one changed
for seconds on end is decided at 0, 0.25, 1, 3 and 7 s, five times in a burst of seven seconds. A
group left alone for `STREAK_GAP` after its last rest starts over at the first step.

The rest is also how long a backlog drain runs on after its last fetch, finishing the groups it
touched more than once: with one fixed 1-s rest, that tail was a fifth of a 2,000-change drain.
The burst tests (1,000 changes for 50 accounts over ~2 s) see at most 4 decisions per account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STEPS = (timedelta(seconds=0.25), timedelta(seconds=0.75), timedelta(seconds=2), timedelta(seconds=4))
STREAK_GAP = timedelta(seconds=5)


def next_step(previous: tuple[int, datetime] | None, now: datetime) -> int:
    """The step of the rest after a re-evaluation starting `now`, given the group's last rest (step, end)."""
    if previous is None:
        return 0
    step, ended = previous
    if now - ended > STREAK_GAP:
        return 0
    return min(step + 1, len(STEPS) - 1)


def rest(step: int) -> timedelta:
    """How long the group rests at this step (a step `next_step` gave)."""
    return STEPS[step]
