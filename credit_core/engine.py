"""`evaluate_account`: one account's invoices, orders, payments and profile in, one Decision out.

The same inputs and day always give the same Decision: `evaluated_at` is the start of `as_of` (UTC)
unless the caller passes an instant, and nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

from credit_core import dunning, features, monitoring, reasons, scoring
from credit_core.behaviour import Behaviour, order_exposure, summarise
from credit_core.errors import RecordError
from credit_core.fast import constructor
from credit_core.fx import CENT, Converter, parse_rates
from credit_core.limits import credit_limit
from credit_core.models import Account, Decision, Invoice, LimitOverride, Order, Payment, Reason
from credit_core.payments import resolve_paid_dates
from credit_core.plan import plan_of
from credit_core.policy import Policy

TENTH = Decimal("0.1")
OVERRIDE_CODE = "LIMIT_OVERRIDE"  # the reason a manual limit adds (impact 0: it explains, it does not score)
_new_decision = constructor(Decision)  # every field given, values built here


def instant(as_of: date | datetime) -> tuple[date, datetime]:
    """The evaluation day and instant: a date means its start in UTC; a naive datetime is taken as UTC."""
    if isinstance(as_of, datetime):
        moment = as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
        return moment.date(), moment
    return as_of, datetime.combine(as_of, time(0), tzinfo=UTC)


def converter(account: Account, policy: Policy, rates: Mapping[str, Decimal]) -> Converter:
    """Converts into the account's currency (the base currency when the account has none)."""
    return Converter(policy.base_currency, account.currency or policy.base_currency, rates)


def measure(
    account: Account,
    invoices: Sequence[Invoice],
    orders: Sequence[Order],
    payments: Sequence[Payment],
    policy: Policy,
    day: date,
    fx: Converter,
) -> tuple[Behaviour, Decimal]:
    """The invoices' behaviour and the account's own exposure (decision currency, to the cent)."""
    paid_dates = resolve_paid_dates(invoices, payments, day, fx) if payments else None
    behaviour = summarise(invoices, day, policy.scorecard.window_days, fx, paid_dates)
    exposure = behaviour.invoice_exposure
    if orders:
        exposure += order_exposure(orders, fx)
    exposure = exposure.quantize(CENT)
    return behaviour, exposure


def _override_reason(override: LimitOverride, amount: Decimal, currency: str) -> Reason:
    text = f"Limit set manually to {amount:,.0f} {currency}"
    if override.approved_by:
        text += f" by {override.approved_by}"
    if override.expires_on:
        text += f" until {override.expires_on.isoformat()}"
    if override.reason:
        text += f": {override.reason}"
    return Reason(OVERRIDE_CODE, text, 0)


def decide(
    account: Account,
    behaviour: Behaviour,
    exposure: Decimal,
    group_exposure_base: Decimal | None,
    policy: Policy,
    moment: tuple[date, datetime],
    fx: Converter,
    previous: Decision | None,
) -> Decision:
    """The Decision from measured behaviour and exposure (the second half of an evaluation)."""
    day, evaluated_at = moment
    b = behaviour
    plan = plan_of(policy)
    values = features.values(account, b, policy, fx, day)
    scored = scoring.score(values, account, b, policy)
    grade = scored.grade
    terms = plan.terms[(values["industry_risk"] or plan.default_class, grade)]
    limit = credit_limit(account, b, policy, grade, terms, fx, day)
    reviews = monitoring.review_dates(account.last_review_on, previous, grade, plan, day)
    group_base = fx.target_to_base(exposure) if group_exposure_base is None else group_exposure_base
    used = monitoring.utilization(exposure, limit.credit_limit)
    found = monitoring.flags(
        exposure,
        limit.credit_limit,
        used,
        group_base,
        b.max_days_past_due,
        reviews,
        limit.override,
        scored.factors_with_data,
        plan,
        day,
    )
    account_status = monitoring.status(found, grade, plan)
    available = limit.credit_limit - exposure
    all_reasons = scored.reasons
    if limit.override is not None:
        override_reason = _override_reason(limit.override, limit.credit_limit, fx.target)
        all_reasons = reasons.ordered((*all_reasons, override_reason))
    dso = add = None
    if b.sales:
        dso = (b.receivables * plan.window_days / b.sales).quantize(TENTH)
        add = ((b.receivables - b.current_receivables) * plan.window_days / b.sales).quantize(TENTH)
    return _new_decision(
        score=scored.score,
        grade=grade,
        reasons=all_reasons,
        credit_limit=limit.credit_limit,
        currency=fx.target,
        exposure=exposure,
        group_exposure=exposure if group_exposure_base is None else fx.base_to_target(group_base).quantize(CENT),
        available_credit=available,
        utilization=used,
        payment_terms_days=terms,
        status=account_status,
        flags=found,
        overdue_amount=b.overdue_amount.quantize(CENT),
        max_days_past_due=b.max_days_past_due,
        dso=dso,
        add=add,
        paydex=b.paydex,
        dunning_stage=dunning.held_stage(monitoring.dunning_stage(b.max_days_past_due, plan), previous, account, day),
        last_review_on=reviews.last_review_on,
        next_review_on=reviews.next_review_on,
        downgraded_on=reviews.downgraded_on,
        request_status=account.request_status,
        summary=monitoring.summary(limit.credit_limit, available, fx.target, grade, b, limit.override, account_status),
        policy_version=plan.policy_version,
        evaluated_at=evaluated_at,
    )


def _check_ownership(account: Account, records: Iterable[Invoice | Order | Payment], kind: str) -> None:
    for record in records:
        if record.account_crm_id != account.crm_id or record.source != account.source:
            reason = f"belongs to {record.source}/{record.account_crm_id}, not {account.source}/{account.crm_id}"
            raise RecordError(kind, record.source, record.crm_id, "account_crm_id", record.account_crm_id, reason)


def evaluate_account(
    account: Account,
    invoices: Iterable[Invoice],
    orders: Iterable[Order],
    policy: Policy,
    as_of: date | datetime,
    previous: Decision | None = None,
    fx_rates: Mapping[str, object] | None = None,
    payments: Iterable[Payment] = (),
    group_exposure: Decimal | None = None,
) -> Decision:
    """Evaluate one account alone; `group_exposure` (in the account's currency) defaults to its own exposure."""
    moment = instant(as_of)
    invoices, orders, payments = list(invoices), list(orders), list(payments)
    _check_ownership(account, invoices, "invoice")
    _check_ownership(account, orders, "order")
    _check_ownership(account, payments, "payment")
    fx = converter(account, policy, parse_rates(fx_rates))
    behaviour, exposure = measure(account, invoices, orders, payments, policy, moment[0], fx)
    group_base = None if group_exposure is None else fx.target_to_base(Decimal(group_exposure))
    return decide(account, behaviour, exposure, group_base, policy, moment, fx, previous)
