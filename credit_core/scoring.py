"""The scorecard: characteristic values -> points -> an int score 0–100, a grade and reasons.

Points are deviations from the policy's neutral score, so a missing characteristic simply adds nothing;
reason impacts are integers that add up exactly to score − neutral score (largest-remainder rounding).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from credit_core import reasons as words
from credit_core.behaviour import Behaviour
from credit_core.features import CHARACTERISTICS, Characteristic
from credit_core.models import Account, Reason
from credit_core.policy import FACTORS, Bins, Policy

ZERO = Decimal(0)
ONE = Decimal(1)
Item = tuple[Any, str, str]  # (points or impact, code, text)
_MISSING_CODES = {factor: f"INSUFFICIENT_DATA_{factor.upper()}" for factor in FACTORS}


@dataclass(frozen=True, slots=True)
class Rule:
    """A characteristic as the policy scores it, with its bin labels and texts worked out once."""

    name: str
    factor: str
    code: str
    missing: str
    edges: tuple[float, ...] = ()  # floats: binning needs no cents, and float compares are cheap
    points: tuple[int | Decimal, ...] = ()
    categories: dict[str, int | Decimal] | None = None
    labels: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


class Scored(NamedTuple):
    """The score, its grade and reasons, and which factors had any data."""

    score: int
    grade: str
    reasons: tuple[Reason, ...]
    factors_with_data: frozenset[str]


_RULES: dict[str, tuple[Rule, ...]] = {}


def _whole(points: Decimal) -> int | Decimal:
    return int(points) if points == points.to_integral_value() else points


def _rule(char: Characteristic, table: Any, currency: str) -> Rule:
    identity = (char.name, char.factor, char.code, char.missing)
    if not isinstance(table, Bins):
        return Rule(*identity, categories={k: _whole(Decimal(v)) for k, v in table.model_dump().items()})
    kind = "int" if char.kind == "rating" else char.kind
    labels = tuple(words.bin_label(table.edges, i, kind, currency) for i in range(len(table.points)))
    template = words.BIN_TEXTS.get(char.name)
    texts = tuple(template.format(label=label) for label in labels) if template else ()
    if char.name == "cash_flow" and table.edges[0] == ZERO:
        texts = ("Negative operating cash flow", *texts[1:])
    edges = tuple(float(edge) for edge in table.edges)
    return Rule(*identity, edges, tuple(_whole(p) for p in table.points), None, labels, texts)


def rules(policy: Policy) -> tuple[Rule, ...]:
    """The policy's scorecard compiled once per policy version."""
    compiled = _RULES.get(policy.policy_version)
    if compiled is None:
        tables = ((char, getattr(policy.scorecard, char.name)) for char in CHARACTERISTICS)
        compiled = tuple(_rule(char, table, policy.base_currency) for char, table in tables if table is not None)
        _RULES[policy.policy_version] = compiled
    return compiled


def _text(rule: Rule, index: int, value: Any, account: Account, behaviour: Behaviour) -> str:
    name = rule.name
    if name == "late_share":
        return words.late_payments_text(behaviour.late_count, rule.labels[index], behaviour.worst_late_days)
    if name == "max_days_past_due":
        return words.past_due_text(value)
    if name in words.RATING_TEXTS:
        return words.RATING_TEXTS[name].format(value=value)
    if name == "altman_zone":
        model, zone = value
        statements = account.financials.as_of if account.financials else None
        suffix = f" (statements of {statements.isoformat()})" if statements else ""
        return f"Altman {model} score in the {zone} zone{suffix}"
    return f"{(account.industry or '').strip()} is a {value}-risk industry"


def _with_impacts(found: list[Item], total: Any, final: int, neutral: int) -> list[Item]:
    target = final - neutral
    # The total is an int only when every point was (ints stay ints under +); no per-item check.
    if total == target and type(total) is int:
        return found  # whole points and no clamping: the points are the impacts
    impacts = words.allocate([p for p, _, _ in found], target, [code for _, code, _ in found])
    return [(impact, code, text) for impact, (_, code, text) in zip(impacts, found, strict=True)]


class Gaps(NamedTuple):
    """What a set of missing characteristics means: INSUFFICIENT_DATA items and the factors that do have data."""

    items: tuple[Item, ...]
    factors_with_data: frozenset[str]


_GAPS: dict[tuple[str, tuple[str, ...]], Gaps] = {}


def _gaps(version: str, compiled: tuple[Rule, ...], missing: tuple[str, ...]) -> Gaps:
    # Few patterns of missing data recur across a portfolio (no bureau, no ratings...): work each out once.
    gaps = _GAPS.get((version, missing))
    if gaps is None:
        with_data = frozenset(rule.factor for rule in compiled if rule.name not in missing)
        parts: dict[str, list[str]] = {}
        for rule in compiled:
            if rule.name in missing:
                parts.setdefault(rule.factor, []).append(rule.missing)
        items = tuple(
            (0, _MISSING_CODES[factor], words.missing_text(factor, tuple(names), factor not in with_data))
            for factor, names in parts.items()
        )
        gaps = _GAPS[(version, missing)] = Gaps(items, with_data)
    return gaps


def score(values: dict[str, Any], account: Account, behaviour: Behaviour, policy: Policy) -> Scored:
    """Score one account from its characteristic values."""
    found: list[Item] = []
    missing: list[str] = []
    total: Any = 0
    compiled = rules(policy)
    for rule in compiled:
        value = values[rule.name]
        if value is None:
            missing.append(rule.name)
            continue
        if rule.categories is None:
            index = bisect_right(rule.edges, value)
            points = rule.points[index]
        else:
            index = 0
            points = rule.categories[value[1] if type(value) is tuple else value]
        if points:
            total += points
            text = rule.texts[index] if rule.texts else _text(rule, index, value, account, behaviour)
            found.append((points, rule.code, text))
    neutral = policy.neutral_score
    raw = neutral + total
    final = min(100, max(0, raw if type(raw) is int else int(raw.quantize(ONE, rounding=ROUND_HALF_UP))))
    gaps = _gaps(policy.policy_version, compiled, tuple(missing))
    items = [*_with_impacts(found, total, final, neutral), *gaps.items]
    items.sort()
    shared, reason = words.SHARED, words.reason
    reasons = tuple([shared.get(item) or reason(item[1], item[2], item[0]) for item in items])
    return Scored(final, policy.grade_of(final), reasons, gaps.factors_with_data)
