"""A policy compiled for the hot path: plain dicts and tuples instead of nested pydantic models.

A portfolio run reads the policy a few dozen times per account for 100k accounts; nested model
attribute chains and per-grade `getattr` add up to seconds there. The plan is built once per
policy version and never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from credit_core.policy import DUNNING_STAGES, GRADES, Policy


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the engine reads from a policy, precomputed."""

    policy_version: str
    neutral_score: int
    window_days: int
    review_interval: dict[str, timedelta]
    terms: dict[tuple[str, str], int]  # (risk class, grade) -> days
    default_class: str
    combine: str
    rounding_step: Decimal
    grace_days: int
    grade_max: dict[str, Decimal]
    starter: dict[str, Decimal]
    insurance_mode: str
    retained_share: Decimal
    methods: dict[str, tuple[Decimal, dict[str, Decimal]]]  # name -> (weight, share by grade)
    concentration_cap: Decimal
    high_utilization: Decimal
    override_expiring_days: int
    evidence_factors: frozenset[str]
    dunning: tuple[tuple[int, str], ...]  # (first day past due, stage), ascending
    hold_flags: frozenset[str]
    hold_grades: frozenset[str]
    watch_flags: frozenset[str]
    watch_grades: frozenset[str]
    downgrade_flag: timedelta


def _per_grade(table: object, cast: type = Decimal) -> dict[str, Decimal]:
    return {grade: cast(getattr(table, grade)) for grade in GRADES}


def _build(policy: Policy) -> Plan:
    limits = policy.limits
    methods = {
        name: (method.weight, _per_grade(method.share))
        for name in ("revenue", "net_worth", "needs", "bureau")
        if (method := getattr(limits.methods, name)) is not None
    }
    status = policy.status
    return Plan(
        policy_version=policy.policy_version,
        neutral_score=policy.neutral_score,
        window_days=policy.scorecard.window_days,
        review_interval={g: timedelta(days=policy.review_days.of(g)) for g in GRADES},
        terms={(risk, g): getattr(policy.terms, risk).of(g) for risk in ("low", "medium", "high") for g in GRADES},
        default_class=policy.industries.default_class,
        combine=limits.combine,
        rounding_step=limits.rounding_step,
        grace_days=limits.grace_days,
        grade_max=_per_grade(limits.max),
        starter=_per_grade(limits.starter),
        insurance_mode=limits.insurance_mode,
        retained_share=limits.retained_share,
        methods=methods,
        concentration_cap=policy.concentration.max_share * policy.portfolio_budget,
        high_utilization=policy.flags.high_utilization,
        override_expiring_days=policy.flags.override_expiring_days,
        evidence_factors=frozenset(policy.flags.evidence_factors),
        dunning=tuple((getattr(policy.dunning, stage), stage) for stage in DUNNING_STAGES),
        hold_flags=frozenset(status.hold_flags),
        hold_grades=frozenset(status.hold_grades),
        watch_flags=frozenset(status.watch_flags),
        watch_grades=frozenset(status.watch_grades),
        downgrade_flag=timedelta(days=policy.downgrade_flag_days),
    )


_PLANS: dict[str, Plan] = {}


def plan_of(policy: Policy) -> Plan:
    """The compiled plan of `policy` (cached by policy version: same version, same content)."""
    plan = _PLANS.get(policy.policy_version)
    if plan is None:
        plan = _PLANS[policy.policy_version] = _build(policy)
    return plan
