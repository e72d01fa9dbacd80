"""What a policy change would do: the same accounts decided under the live and the proposed policy.

Seed §10 asks for continuous improvement; a policy change should be seen before it goes live.
Money is compared in the base currency; "over the new limit" is exposure above the proposed limit
(what sales would be blocked from or what must be collected first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from credit_core.models import Decision

ZERO = Decimal(0)
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Change:
    """One account whose decision would change (money in the base currency)."""

    key: Key
    limit_before: Decimal
    limit_after: Decimal
    grade_before: str
    grade_after: str
    status_before: str
    status_after: str
    exposure: Decimal
    flags_added: tuple[str, ...]
    flags_removed: tuple[str, ...]

    @property
    def over_new_limit(self) -> Decimal:
        """Exposure above the proposed limit (0 when within it)."""
        return max(self.exposure - self.limit_after, ZERO)


@dataclass
class PolicyDiff:
    """The portfolio-level summary of a proposed policy against the live one."""

    accounts: int = 0
    limits_up: int = 0
    limits_down: int = 0
    limits_same: int = 0
    total_limit_before: Decimal = ZERO
    total_limit_after: Decimal = ZERO
    grade_changes: int = 0
    status_changes: dict[str, int] = field(default_factory=dict)  # "OK→HOLD" -> accounts
    newly_over_limit: int = 0  # within the live limit, over the proposed one
    over_new_limit: int = 0
    exposure_over_new_limits: Decimal = ZERO
    changes: list[Change] = field(default_factory=list)  # largest limit moves first


def _change(key: Key, before: Decision, after: Decision, rate: Decimal) -> Change:
    return Change(
        key,
        before.credit_limit * rate,
        after.credit_limit * rate,
        before.grade,
        after.grade,
        before.status,
        after.status,
        after.exposure * rate,
        tuple(sorted(set(after.flags) - set(before.flags))),
        tuple(sorted(set(before.flags) - set(after.flags))),
    )


def compare(
    live: Mapping[Key, Decision], proposed: Mapping[Key, Decision], rates: Mapping[str, Decimal], base_currency: str
) -> PolicyDiff:
    """Summarise how `proposed` decisions differ from `live` ones for the accounts both decided."""
    diff = PolicyDiff()
    transitions: Counter[str] = Counter()
    for key in sorted(live.keys() & proposed.keys()):
        before, after = live[key], proposed[key]
        rate = Decimal(1) if before.currency == base_currency else rates[before.currency]
        change = _change(key, before, after, rate)
        diff.accounts += 1
        diff.total_limit_before += change.limit_before
        diff.total_limit_after += change.limit_after
        moved = (change.limit_after > change.limit_before) - (change.limit_after < change.limit_before)
        diff.limits_up += moved > 0
        diff.limits_down += moved < 0
        diff.limits_same += moved == 0
        diff.grade_changes += change.grade_before != change.grade_after
        if change.status_before != change.status_after:
            transitions[f"{change.status_before}→{change.status_after}"] += 1
        if change.over_new_limit > ZERO:
            diff.over_new_limit += 1
            diff.exposure_over_new_limits += change.over_new_limit
            diff.newly_over_limit += change.exposure <= change.limit_before
        if moved or change.status_before != change.status_after or change.flags_added or change.flags_removed:
            diff.changes.append(change)
    diff.status_changes = dict(sorted(transitions.items()))
    diff.changes.sort(key=lambda c: (-abs(c.limit_after - c.limit_before), c.key))
    return diff
