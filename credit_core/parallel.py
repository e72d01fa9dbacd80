"""Opt-in multi-process evaluation of a big portfolio (`evaluate(..., workers=n)`).

Accounts are split into shards of whole groups (a group's exposure must be summed in one place).
The caller's process decides one shard itself while `n - 1` forked processes decide the others; the
forks read the inputs from memory inherited at fork time, so only their results travel back, in a
compact form (money as text, dates as day numbers, reasons as tuples) that is cheap to rebuild.

Fork is used only where the platform has it and only when asked: forking a process that runs other
threads (a web server, say) is the caller's decision to make, so the default stays one process.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from credit_core.fast import constructor
from credit_core.models import Decision
from credit_core.reasons import SHARED, reason

if TYPE_CHECKING:
    from credit_core.portfolio import Batch, Key, Rejected

    DecideKeys = Callable[[Batch, Iterable[Key], Rejected | None], dict[Key, Decision]]

MIN_ACCOUNTS = 5_000  # below this the forks cost more than they save
_NAMES = tuple(f.name for f in fields(Decision))
_SAME_FOR_ALL = ("policy_version", "evaluated_at")
_DECIMALS = frozenset(
    {"credit_limit", "exposure", "group_exposure", "available_credit", "utilization", "overdue_amount", "dso", "add"}
)
_DATES = frozenset({"last_review_on", "next_review_on", "downgraded_on"})
_new_decision = constructor(Decision)
_job: tuple[Any, ...] | None = None  # what the forks inherit: (batch, shards, decide_keys, collect rejects?)


def worthwhile(accounts: int) -> bool:
    """Whether forking can pay off for this many accounts on this platform."""
    return accounts >= MIN_ACCOUNTS and "fork" in multiprocessing.get_all_start_methods()


def _shards(batch: Batch, roots: dict[Key, Key], workers: int) -> list[list[Key]]:
    members: dict[Key, list[Key]] = defaultdict(list)
    for key in batch.accounts:
        members[roots[key]].append(key)
    weight = {root: sum(1 + len(batch.invoices_of.get(k, ())) for k in keys) for root, keys in members.items()}
    # The caller's own shard is a little smaller: it also rebuilds the other shards' decisions.
    total = sum(weight.values())
    shares = [0.9 / workers] + [(1 - 0.9 / workers) / (workers - 1)] * (workers - 1)
    shards: list[list[Key]] = [[] for _ in range(workers)]
    current, filled = 0, 0.0
    for root, keys in members.items():
        if current < workers - 1 and filled >= shares[current] * total:
            current, filled = current + 1, 0.0
        shards[current].extend(keys)
        filled += weight[root]
    return shards


def _encode(decision: Decision) -> tuple[Any, ...]:
    row: list[Any] = []
    for name in _NAMES:
        value = getattr(decision, name)
        if name in _SAME_FOR_ALL:
            continue
        if value is None:
            row.append(None)
        elif name in _DECIMALS:
            row.append(str(value))
        elif name in _DATES:
            row.append(value.toordinal())
        elif name == "reasons":
            row.append(tuple((r.impact, r.code, r.text) for r in value))
        else:
            row.append(value)
    return tuple(row)


def _decode(row: tuple[Any, ...], same_for_all: dict[str, Any]) -> Decision:
    values: dict[str, Any] = dict(same_for_all)
    cells = iter(row)
    for name in _NAMES:
        if name in _SAME_FOR_ALL:
            continue
        value = next(cells)
        if value is None:
            values[name] = None
        elif name in _DECIMALS:
            values[name] = Decimal(value)
        elif name in _DATES:
            values[name] = date.fromordinal(value)
        elif name == "reasons":
            values[name] = tuple([SHARED.get(item) or reason(item[1], item[2], item[0]) for item in value])
        else:
            values[name] = value
    return _new_decision(**values)


def _run_shard(index: int) -> tuple[list[tuple[Key, tuple[Any, ...]]], Rejected]:
    assert _job is not None, "a shard runs only in a fork made by decide_in_parallel"
    batch, shards, decide_keys, collecting = _job
    rejected: Rejected = []
    decided = decide_keys(batch, shards[index], rejected if collecting else None)  # raising mode raises here
    return [(key, _encode(decision)) for key, decision in decided.items()], rejected


def decide_in_parallel(
    batch: Batch, roots: dict[Key, Key], workers: int, rejected: Rejected | None, decide_keys: DecideKeys
) -> dict[Key, Decision]:
    """Decide every account of `batch`, `workers - 1` shards in forks and one here; same result as one process."""
    global _job
    shards = _shards(batch, roots, workers)
    _job = (batch, shards, decide_keys, rejected is not None)
    same_for_all = {"policy_version": batch.policy.policy_version, "evaluated_at": batch.moment[1]}
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_run_shard, index) for index in range(1, workers)]
            decided = decide_keys(batch, shards[0], rejected)
            for future in futures:
                rows, refused = future.result()  # a fork's exception is raised here
                if rejected is not None:
                    rejected.extend(refused)
                decided.update((key, _decode(row, same_for_all)) for key, row in rows)
    finally:
        _job = None
    return {key: decided[key] for key in batch.accounts if key in decided}
