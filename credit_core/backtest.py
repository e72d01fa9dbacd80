"""One account in a backtest: decided as of a past day from what was known then, and what happened next.

What the past decision may see (the rest is left out, not guessed):
- invoices issued by the as-of day, as they stood then (`history.known_on`), and receipts made by then;
- the financial statement and insurance cover known on that day (`supplements`);
- the account's profile as it is now (industry, country, size, founding year: slow to change);
- no orders (a canonical order has no date, so its state on a past day is unknown), no manual limit,
  no review or request state, and no group exposure (each account alone).
Accounts that had no invoice by the as-of day (not yet customers), or were already more than 90 days
past due on it, are not part of the sample.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from credit_core import features
from credit_core.engine import converter, decide, instant, measure
from credit_core.history import known_on, outcome
from credit_core.models import Account, Decision, Financials, Invoice, Payment
from credit_core.policy import Policy
from credit_core.supplements import InsuranceCover, with_supplements


class Skip(enum.Enum):
    """Why an account is not part of a backtest sample."""

    NOT_YET_CUSTOMER = "not_yet_customer"
    ALREADY_BAD = "already_bad"


@dataclass(frozen=True, slots=True)
class Case:
    """One account's past decision, its characteristic values then, and its outcome."""

    key: tuple[str, str]
    decision: Decision
    values: dict[str, Any]  # credit_core.features values on the as-of day
    bad: bool


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def as_known_then(account: Account) -> Account:
    """The account without the state a past day could not have had (manual limit, review, requests)."""
    return dataclasses.replace(
        account, limit_override=None, last_review_on=None, requested_limit=None, request_status=None,
        promise_to_pay_on=None,
    )  # fmt: skip


def case_at(
    account: Account,
    invoices: Sequence[Invoice],
    payments: Sequence[Payment],
    policy: Policy,
    as_of: date,
    horizon_end: date,
    rates: Mapping[str, Decimal],
    statements: Iterable[Financials] = (),
    covers: Iterable[InsuranceCover] = (),
) -> Case | Skip:
    """Decide `account` as of `as_of` from what was known then, and label it by (as_of, horizon_end]."""
    fx = converter(account, policy, rates)
    result = outcome(invoices, payments, as_of, horizon_end, fx)
    if not result.customer:
        return Skip.NOT_YET_CUSTOMER
    if result.already_bad:
        return Skip.ALREADY_BAD
    then = with_supplements(as_known_then(account), statements, covers, as_of, fx)
    invoices_then, payments_then = known_on(invoices, payments, as_of, fx)
    behaviour, exposure = measure(then, invoices_then, (), payments_then, policy, as_of, fx)
    decision = decide(then, behaviour, exposure, None, policy, instant(as_of), fx, None)
    values = features.values(then, behaviour, policy, fx, as_of)
    return Case((account.source, account.crm_id), decision, values, result.bad)
