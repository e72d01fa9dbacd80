"""Credit limit and payment terms: limit methods combined per policy, capped, insured, rounded, overridden.

Limits are sized in the policy's base currency and expressed once, rounded down to the policy step, in
the account's currency. A manual `limit_override` wins until its `expires_on` (inclusive): it is not
capped, but the flags still apply to it.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import NamedTuple

from credit_core.behaviour import Behaviour
from credit_core.fx import CENT, Converter
from credit_core.models import Account, LimitOverride
from credit_core.plan import Plan, plan_of
from credit_core.policy import Policy

ZERO = Decimal(0)


class LimitWorkings(NamedTuple):
    """How a limit came about (base currency unless noted), for explanations and tests."""

    credit_limit: Decimal  # decision currency, rounded to the step
    methods: dict[str, Decimal] = {}  # noqa: RUF012 (never mutated)
    combined: Decimal | None = None
    bound_by: str | None = None  # grade_max | concentration | insurance | grade_E | starter | override
    override: LimitOverride | None = None


def payment_terms(policy: Policy, grade: str, industry: str | None) -> int:
    """Terms in days for a grade in an industry's risk class (unknown industry: the default class)."""
    plan = plan_of(policy)
    return plan.terms[(policy.industries.risk_class(industry) or plan.default_class, grade)]


def active_override(account: Account, as_of: date) -> LimitOverride | None:
    """The manual limit in force on `as_of`, if any (valid through its expiry day)."""
    override = account.limit_override
    if override is None or (override.expires_on is not None and as_of > override.expires_on):
        return None
    return override


def _tangible_net_worth(account: Account) -> Decimal | None:
    f = account.financials
    if f is None:
        return None
    equity = f.equity
    if equity is None and f.total_assets is not None and f.total_liabilities is not None:
        equity = f.total_assets - f.total_liabilities
    return None if equity is None else max(equity - (f.intangible_assets or ZERO), ZERO)


def _methods(account: Account, b: Behaviour, plan: Plan, grade: str, terms: int, fx: Converter) -> dict[str, Decimal]:
    methods = plan.methods
    found: dict[str, Decimal] = {}
    f = account.financials
    revenue = account.annual_revenue if account.annual_revenue is not None else (f.sales if f else None)
    if "revenue" in methods and revenue is not None:
        found["revenue"] = fx.target_to_base(revenue) * methods["revenue"][1][grade]
    if "net_worth" in methods and (worth := _tangible_net_worth(account)) is not None:
        found["net_worth"] = fx.target_to_base(worth) * methods["net_worth"][1][grade]
    if "needs" in methods and b.sales > ZERO:
        # What the customer buys over terms plus the grace it takes: daily purchases × (terms + grace).
        days = Decimal(terms + plan.grace_days) / plan.window_days
        found["needs"] = fx.target_to_base(b.sales) * days * methods["needs"][1][grade]
    if "bureau" in methods and account.bureau_limit is not None:
        found["bureau"] = fx.target_to_base(account.bureau_limit) * methods["bureau"][1][grade]
    return found


def _combine(found: dict[str, Decimal], plan: Plan) -> Decimal:
    values = sorted(found.values())
    if plan.combine == "min":
        return values[0]
    if plan.combine == "weighted":
        total = sum((plan.methods[name][0] for name in found), ZERO)
        if total > ZERO:
            return sum((found[name] * plan.methods[name][0] for name in found), ZERO) / total
    middle = len(values) // 2  # the median (also for "weighted" when every weight is 0)
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _cap(combined: Decimal, account: Account, plan: Plan, grade: str, fx: Converter) -> tuple[Decimal, str | None]:
    caps = [(plan.grade_max[grade], "grade_max"), (plan.concentration_cap, "concentration")]
    if account.insured_limit is not None:
        insured = fx.target_to_base(account.insured_limit)
        if plan.insurance_mode == "cap":
            caps.append((insured, "insurance"))  # sell only what the insurer accepts
        else:
            # The insurer pays (1 − retained share) of the insured limit, which is not our risk:
            # our own-risk caps apply to the rest.
            cover = insured * (1 - plan.retained_share)
            caps = [(cap + cover, name) for cap, name in caps]
    cap, name = min(caps)
    return (combined, None) if combined <= cap else (cap, name)


def round_down(amount: Decimal, step: Decimal) -> Decimal:
    """`amount` rounded down to a multiple of `step` (never below zero)."""
    if amount <= ZERO:
        return ZERO
    return (amount / step).to_integral_value(rounding=ROUND_FLOOR) * step


def credit_limit(
    account: Account, b: Behaviour, policy: Policy, grade: str, terms: int, fx: Converter, as_of: date
) -> LimitWorkings:
    """The account's credit limit in its own (decision) currency, with the workings."""
    override = active_override(account, as_of)
    if override is not None:
        currency = override.currency or fx.target
        amount = fx.to_target(override.amount, currency)
        return LimitWorkings(
            amount if currency == fx.target else amount.quantize(CENT), bound_by="override", override=override
        )
    if grade == "E":
        return LimitWorkings(ZERO, bound_by="grade_E")  # cash in advance
    plan = plan_of(policy)
    found = _methods(account, b, plan, grade, terms, fx)
    combined = _combine(found, plan) if found else None
    capped, bound_by = _cap(plan.starter[grade] if combined is None else combined, account, plan, grade, fx)
    if combined is None:
        bound_by = bound_by or "starter"
    limit = round_down(fx.base_to_target(capped), plan.rounding_step)
    return LimitWorkings(limit, found, combined, bound_by)
