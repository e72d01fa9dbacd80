"""The policy in force, laid out for people: grades, scorecard bins, limit methods, flags, status, dunning."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credit_core.glossary import flag_glossary, reason_glossary
from credit_core.plan import plan_of
from credit_core.policy import GRADES, Policy
from credit_core.scoring import rules

METHOD_WORDS = {
    "revenue": "a share of the customer's annual revenue",
    "net_worth": "a share of its tangible net worth (equity less intangible assets)",
    "needs": "what it buys over its payment terms plus the grace days, times a headroom factor",
    "bureau": "a share of the credit bureau's recommended limit",
}


@dataclass(frozen=True)
class ScoredItem:
    """One characteristic: what it measures and the points each range of values adds."""

    code: str
    title: str
    meaning: str
    factor: str
    bins: list[tuple[str, int | Decimal]]


def _scorecard(policy: Policy) -> list[ScoredItem]:
    glossary = reason_glossary()
    items = []
    for rule in rules(policy):
        entry = glossary[rule.code]
        if rule.categories is not None:
            bins = list(rule.categories.items())
        else:
            bins = list(zip(rule.labels, rule.points, strict=True))
        items.append(ScoredItem(rule.code, entry.title, entry.meaning, rule.factor, bins))
    return items


def policy_view(policy: Policy) -> dict[str, Any]:
    """Everything the "policy explained" page shows."""
    plan = plan_of(policy)
    grades = policy.grades
    lowest = {"A": grades.A, "B": grades.B, "C": grades.C, "D": grades.D, "E": 0}
    rows = [
        {"grade": g, "from": lowest[g], "review_days": policy.review_days.of(g), "max": plan.grade_max[g],
         "starter": plan.starter[g], "terms": {risk: plan.terms[(risk, g)] for risk in ("low", "medium", "high")}}
        for g in GRADES
    ]  # fmt: skip
    methods = [
        {"name": name, "words": METHOD_WORDS[name], "weight": weight, "share": share}
        for name, (weight, share) in plan.methods.items()
    ]
    return {
        "p": policy,
        "plan": plan,
        "grade_rows": rows,
        "scorecard": _scorecard(policy),
        "methods": methods,
        "dunning": [(stage, day) for day, stage in plan.dunning],
        "flags": flag_glossary(),
        "industries": policy.industries,
    }
