"""Canonical records (DESIGN §2): what every CRM is mapped onto and what the credit core decides.

Light frozen dataclasses with slots: a million invoices must cost little to hold. They do no checking
themselves; `credit_core.records.build_*` is the one boundary that parses and validates raw values.
Money is `Decimal`, dates are `date`, instants are aware UTC `datetime`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

InvoiceStatus = Literal["open", "paid", "void", "credit_note"]
OrderStatus = Literal["open", "invoiced", "cancelled"]
Grade = Literal["A", "B", "C", "D", "E"]
Status = Literal["OK", "WATCH", "HOLD"]

INVOICE_STATUSES: tuple[str, ...] = ("open", "paid", "void", "credit_note")
ORDER_STATUSES: tuple[str, ...] = ("open", "invoiced", "cancelled")


@dataclass(frozen=True, slots=True, kw_only=True)
class Financials:
    """One financial statement of a customer; any figure may be unknown."""

    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    current_assets: Decimal | None = None
    current_liabilities: Decimal | None = None
    retained_earnings: Decimal | None = None
    ebit: Decimal | None = None
    sales: Decimal | None = None
    equity: Decimal | None = None
    intangible_assets: Decimal | None = None
    operating_cash_flow: Decimal | None = None
    as_of: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Qualitative:
    """Analyst ratings from 0 (worst) to 5 (best)."""

    management: int | None = None
    market_position: int | None = None
    industry_outlook: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitOverride:
    """A manually granted limit that wins over the computed one until it expires (inclusive)."""

    amount: Decimal
    currency: str | None = None  # None: the account's currency (single-currency orgs map no currency)
    expires_on: date | None = None
    reason: str | None = None
    approved_by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """A customer as the CRM knows it, plus what sync keeps from reviews and requests."""

    source: str
    crm_id: str
    name: str | None = None
    industry: str | None = None
    country: str | None = None
    currency: str | None = None
    annual_revenue: Decimal | None = None
    employees: int | None = None
    established_on: date | None = None
    parent_crm_id: str | None = None
    owner_crm_id: str | None = None
    bureau_score: int | None = None
    bureau_limit: Decimal | None = None
    financials: Financials | None = None
    qualitative: Qualitative | None = None
    limit_override: LimitOverride | None = None
    insured_limit: Decimal | None = None
    requested_limit: Decimal | None = None
    promise_to_pay_on: date | None = None
    last_review_on: date | None = None
    request_status: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice:
    """A receivable; `balance` is the open amount, a credit note carries a negative amount."""

    source: str
    crm_id: str
    account_crm_id: str
    amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    number: str | None = None
    balance: Decimal | None = None
    paid_on: date | None = None
    status: InvoiceStatus = "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """A sales order; only its uninvoiced part counts towards exposure."""

    source: str
    crm_id: str
    account_crm_id: str
    amount: Decimal
    currency: str
    uninvoiced_amount: Decimal | None = None
    status: OrderStatus = "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    """A receipt recorded separately from the invoice it settles."""

    source: str
    crm_id: str
    account_crm_id: str
    amount: Decimal
    currency: str
    received_on: date
    invoice_crm_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor's contribution to the score, in words a sales rep understands."""

    code: str
    text: str
    impact: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What the credit core decided for one account on one day."""

    score: int
    grade: Grade
    reasons: tuple[Reason, ...]
    credit_limit: Decimal
    currency: str
    exposure: Decimal
    group_exposure: Decimal
    available_credit: Decimal
    utilization: Decimal | None
    payment_terms_days: int
    status: Status
    flags: tuple[str, ...]
    overdue_amount: Decimal
    max_days_past_due: int
    dso: Decimal | None
    add: Decimal | None
    paydex: int | None
    dunning_stage: str | None
    last_review_on: date | None
    next_review_on: date | None
    downgraded_on: date | None
    request_status: str | None
    summary: str
    policy_version: str
    evaluated_at: datetime
