"""Limit-increase requests: what the policy grants, who may approve, and what an approval puts in force.

The rules (issue 8):
- A request within the limit the policy grants after re-evaluation (the computed limit, any manual
  override set aside) is approved by the policy itself. It needs no override: the computed limit
  already covers it, and an override would freeze the limit against the policy's later judgement.
- A manual limit (`manual`: a limit set by hand, even below the computed one) always waits for a person.
- Any other request waits for a person whose approver role's ceiling (base currency) covers the
  amount; it is routed to the covering role with the lowest ceiling, but anyone in any covering role
  may decide it. With no covering role it waits until the config gains one.
- Nobody decides their own request (maker–checker), and only a pending request can be decided.
- A person's approval puts a `LimitOverride` in force (amount, reason, approver, expiry): a temporary
  uplift that falls back to the computed limit the day after it expires (`limits.active_override`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from credit_core.engine import evaluate_account
from credit_core.errors import CreditCoreError
from credit_core.models import Account, Invoice, LimitOverride, Order, Payment
from credit_core.policy import Policy

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"
POLICY_ACTOR = "policy"  # who decided an automatic approval


class RequestRefused(CreditCoreError):
    """A request step that the rules do not allow: `code` says which rule, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ApproverRole:
    """People who may approve limits up to `ceiling` (base currency)."""

    name: str
    users: frozenset[str]
    ceiling: Decimal


@dataclass(frozen=True, slots=True)
class Routing:
    """What happens to a new request: approved by the policy, or waiting for a role (None: no role covers it)."""

    status: str  # approved | pending
    role: str | None


def granted_limit(
    account: Account,
    invoices: Iterable[Invoice],
    orders: Iterable[Order],
    policy: Policy,
    as_of: date | datetime,
    fx_rates: Mapping[str, object] | None = None,
    payments: Iterable[Payment] = (),
    group_exposure: Decimal | None = None,
) -> Decimal:
    """The limit the policy grants today, in the account's currency, with any manual override set aside."""
    plain = dataclasses.replace(account, limit_override=None)
    decision = evaluate_account(plain, invoices, orders, policy, as_of, fx_rates=fx_rates, payments=payments,
                                group_exposure=group_exposure)  # fmt: skip
    return decision.credit_limit


def covering_roles(amount_base: Decimal, roles: Iterable[ApproverRole]) -> list[ApproverRole]:
    """Roles whose ceiling covers `amount_base`, lowest ceiling first (then by name)."""
    return sorted((r for r in roles if r.ceiling >= amount_base), key=lambda r: (r.ceiling, r.name))


def route(
    amount: Decimal, amount_base: Decimal, granted: Decimal, roles: Iterable[ApproverRole], manual: bool = False
) -> Routing:
    """Approve within the granted limit (both in the decision currency), else route by ceiling (base currency)."""
    if amount <= granted and not manual:
        return Routing(APPROVED, None)
    covering = covering_roles(amount_base, roles)
    return Routing(PENDING, covering[0].name if covering else None)


def check_decider(
    status: str, requested_by: str | None, user: str, amount_base: Decimal, roles: Iterable[ApproverRole]
) -> ApproverRole:
    """The role under which `user` may approve or reject this request; RequestRefused when none may."""
    if status != PENDING:
        raise RequestRefused("NOT_PENDING", f"the request is {status}, not pending")
    if requested_by is not None and user.casefold() == requested_by.casefold():
        raise RequestRefused("OWN_REQUEST", f"{user} made this request and cannot decide it (maker–checker)")
    own = [r for r in roles if user.casefold() in {u.casefold() for u in r.users}]
    if not own:
        raise RequestRefused("NOT_APPROVER", f"{user} is in no [approvers] role")
    covering = covering_roles(amount_base, own)
    if not covering:
        highest = max(r.ceiling for r in own)
        raise RequestRefused("OVER_CEILING", f"{user} may decide up to {highest:,.0f}, this request is "
                                             f"{amount_base:,.0f} (base currency)")  # fmt: skip
    return covering[0]


def approval_override(
    amount: Decimal,
    currency: str | None,
    approver: str,
    reason: str | None,
    decided_on: date,
    policy: Policy,
    expires_on: date | None = None,
) -> LimitOverride:
    """The manual limit an approval puts in force; without a given expiry it lasts the policy's override_days."""
    until = expires_on or decided_on + timedelta(days=policy.limits.override_days)
    if until < decided_on:
        raise RequestRefused("EXPIRY_PAST", f"expiry {until.isoformat()} is before {decided_on.isoformat()}")
    return LimitOverride(amount=amount, currency=currency, expires_on=until, reason=reason, approved_by=approver)


def request_status_on(latest_status: str | None, override: LimitOverride | None, day: date) -> str | None:
    """The status a CRM record shows: the latest request's, `expired` once its approved uplift has lapsed."""
    if latest_status == APPROVED and override is not None and override.expires_on is not None:
        return EXPIRED if day > override.expires_on else APPROVED
    return latest_status


def with_request_state(account: Account, override: LimitOverride | None, status: str | None, day: date) -> Account:
    """The account with an approved override in force on `day` and its request status (None: the CRM's stands).

    An approval made here wins over a `limit_override` mapped from the CRM while it is in force; once it
    lapses the CRM's own (if any) applies again.
    """
    changes: dict[str, object] = {}
    if override is not None and (override.expires_on is None or day <= override.expires_on):
        changes["limit_override"] = override
    if status is not None:
        changes["request_status"] = status
    return dataclasses.replace(account, **changes) if changes else account  # type: ignore[arg-type]
