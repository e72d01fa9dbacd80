"""Monitoring: warning flags, dunning stage, status, review dates and the one-line summary for a rep.

Stability (DESIGN §2): `next_review_on` runs from the last review and is reset only on the first
evaluation, a grade change or a recorded review; SCORE_DOWNGRADE is held `downgrade_flag_days` from
`downgraded_on`. Date-driven flags therefore change only when the calendar crosses their threshold.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from credit_core.behaviour import Behaviour
from credit_core.models import Decision, LimitOverride
from credit_core.plan import Plan

ZERO = Decimal(0)
GRADE_RANK = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4}
FOUR_PLACES = Decimal("0.0001")


class ReviewDates(NamedTuple):
    """The review clock and the last downgrade."""

    last_review_on: date | None
    next_review_on: date
    downgraded_on: date | None


def review_dates(
    recorded_review: date | None, previous: Decision | None, grade: str, plan: Plan, as_of: date
) -> ReviewDates:
    """Review and downgrade dates, carried over from `previous` unless a documented event resets them."""
    interval = plan.review_interval[grade]
    if previous is None:
        return ReviewDates(recorded_review, (recorded_review or as_of) + interval, None)
    if recorded_review is not None and (previous.last_review_on is None or recorded_review > previous.last_review_on):
        next_review = recorded_review + interval  # a review was recorded since
    elif previous.grade != grade or previous.next_review_on is None:
        next_review = as_of + interval  # a new grade sets its own review cycle
    else:
        next_review = previous.next_review_on
    downgraded_on = previous.downgraded_on
    if GRADE_RANK[grade] > GRADE_RANK[previous.grade]:
        downgraded_on = as_of
    elif GRADE_RANK[grade] < GRADE_RANK[previous.grade]:
        downgraded_on = None  # an upgrade ends the downgrade
    return ReviewDates(recorded_review or previous.last_review_on, next_review, downgraded_on)


def dunning_stage(max_days_past_due: int, plan: Plan) -> str | None:
    """The furthest dunning stage any open invoice has reached."""
    stage = None
    for first_day, name in plan.dunning:
        if max_days_past_due < first_day:
            break
        stage = name
    return stage


def utilization(exposure: Decimal, credit_limit: Decimal) -> Decimal | None:
    """exposure / limit to four places; None when the limit is 0."""
    if credit_limit == ZERO:
        return None
    return (exposure / credit_limit).quantize(FOUR_PLACES)


def flags(
    exposure: Decimal,
    credit_limit: Decimal,
    used: Decimal | None,
    group_exposure_base: Decimal,
    max_days_past_due: int,
    reviews: ReviewDates,
    override: LimitOverride | None,
    factors_with_data: frozenset[str],
    plan: Plan,
    as_of: date,
) -> tuple[str, ...]:
    """The warning flags, sorted; PAST_DUE_n is days past due > n, only the highest one is set."""
    found: list[str] = []
    if exposure > credit_limit:
        found.append("OVER_LIMIT")
    elif used is not None and used >= plan.high_utilization:
        found.append("HIGH_UTILIZATION")
    if max_days_past_due > 30:
        days = max_days_past_due
        found.append("PAST_DUE_90" if days > 90 else "PAST_DUE_60" if days > 60 else "PAST_DUE_30")
    if reviews.downgraded_on is not None and as_of < reviews.downgraded_on + plan.downgrade_flag:
        found.append("SCORE_DOWNGRADE")
    if reviews.next_review_on <= as_of:
        found.append("REVIEW_DUE")
    expires_on = override.expires_on if override is not None else None
    if expires_on is not None and (expires_on - as_of).days <= plan.override_expiring_days:
        found.append("OVERRIDE_EXPIRING")
    if group_exposure_base > plan.concentration_cap:
        found.append("CONCENTRATION")
    if plan.evidence_factors.isdisjoint(factors_with_data):
        found.append("INSUFFICIENT_DATA")
    found.sort()
    return tuple(found)


def status(found_flags: tuple[str, ...], grade: str, plan: Plan) -> str:
    """HOLD, WATCH or OK by the policy's rules (HOLD wins)."""
    if grade in plan.hold_grades or not plan.hold_flags.isdisjoint(found_flags):
        return "HOLD"
    if grade in plan.watch_grades or not plan.watch_flags.isdisjoint(found_flags):
        return "WATCH"
    return "OK"


def _money(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def summary(
    credit_limit: Decimal,
    available: Decimal,
    currency: str,
    grade: str,
    b: Behaviour,
    override: LimitOverride | None,
    account_status: str,
) -> str:
    """One line for a rep: "Limit 50,000 EUR · 12,300 available · Grade B · 2 invoices 30+ days late"."""
    limit = f"Limit {_money(credit_limit)} {currency}"
    if override is not None:
        until = f" until {override.expires_on.isoformat()}" if override.expires_on else ""
        limit += f" (manual{until})"
    elif grade == "E":
        limit += " (cash in advance)"
    room = f"{_money(available)} available" if available >= ZERO else f"{_money(-available)} over limit"
    if b.over_30_count:
        late = f"{b.over_30_count} invoice{'s' if b.over_30_count > 1 else ''} 30+ days late"
    elif b.overdue_count:
        late = f"{b.overdue_count} invoice{'s' if b.overdue_count > 1 else ''} overdue"
    else:
        late = "nothing overdue"
    if account_status == "OK":
        return f"{limit} · {room} · Grade {grade} · {late}"
    return f"{limit} · {room} · Grade {grade} · {late} · {'On hold' if account_status == 'HOLD' else 'Watch'}"
