"""Builders for credit-core tests: records through the real boundary, policies by dotted edits."""

from __future__ import annotations

import copy
import tomllib
from datetime import date, timedelta
from typing import Any

from credit_core.models import Account, Invoice, Order, Payment
from credit_core.policy import Policy, default_policy_text
from credit_core.records import build_account, build_invoice, build_order, build_payment

AS_OF = date(2026, 11, 28)
SOURCE = "sf"
_DEFAULT = tomllib.loads(default_policy_text())


def policy_with(changes: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> Policy:
    """The default policy with dotted keys set (`{"limits.combine": "min"}`) or dropped."""
    raw = copy.deepcopy(_DEFAULT)
    for dotted, value in (changes or {}).items():
        *parents, last = dotted.split(".")
        table = raw
        for part in parents:
            table = table.setdefault(part, {})
        table[last] = value
    for dotted in drop:
        *parents, last = dotted.split(".")
        table = raw
        for part in parents:
            table = table[part]
        del table[last]
    return Policy.model_validate(raw)


def only_scorecard(*names: str, **changes: Any) -> Policy:
    """The default policy scoring only the named characteristics."""
    scored = {name for name in _DEFAULT["scorecard"] if name != "window_days"}
    return policy_with(changes, drop=tuple(f"scorecard.{name}" for name in scored - set(names)))


def account(crm_id: str = "001A", **values: Any) -> Account:
    """An account; pass canonical keys (nested ones as dicts or dotted via `**{"financials.ebit": ...}`)."""
    return build_account(SOURCE, crm_id, values)


def invoice(
    crm_id: str,
    *,
    account_id: str = "001A",
    amount: str = "1000.00",
    issued_days_ago: int = 60,
    terms: int = 30,
    paid_days_late: int | None = None,
    balance: str | None = None,
    status: str | None = None,
    currency: str = "USD",
    as_of: date = AS_OF,
) -> Invoice:
    """An invoice issued `issued_days_ago` before `as_of`; paid `paid_days_late` after its due date, or open."""
    issued = as_of - timedelta(days=issued_days_ago)
    due = issued + timedelta(days=terms)
    values: dict[str, Any] = {
        "account_crm_id": account_id,
        "amount": amount,
        "currency": currency,
        "issued_on": issued,
        "due_on": due,
        "number": f"INV-{crm_id}",
    }
    if paid_days_late is not None:
        values.update(status="paid", paid_on=due + timedelta(days=paid_days_late))
    if status is not None:
        values["status"] = status
    if balance is not None:
        values["balance"] = balance
    return build_invoice(SOURCE, crm_id, values)


def open_invoice(crm_id: str, days_past_due: int, amount: str = "1000.00", **kw: Any) -> Invoice:
    """An open invoice that is `days_past_due` days past its due date on AS_OF (negative: not yet due)."""
    return invoice(crm_id, amount=amount, issued_days_ago=30 + days_past_due, terms=30, **kw)


def paid_history(
    count: int, days_late: int = 0, amount: str = "1000.00", prefix: str = "p", **kw: Any
) -> list[Invoice]:
    """`count` invoices spread over the last year, each paid `days_late` after its due date."""
    first = 40 + max(0, days_late)  # so that even the latest one was paid ten days before AS_OF
    return [
        invoice(f"{prefix}{k}", amount=amount, issued_days_ago=first + 20 * k, paid_days_late=days_late, **kw)
        for k in range(count)
    ]


def order(crm_id: str, amount: str, status: str = "open", account_id: str = "001A", **values: Any) -> Order:
    """An order of `account_id`."""
    return build_order(
        SOURCE, crm_id, {"account_crm_id": account_id, "amount": amount, "currency": "USD", "status": status, **values}
    )


def payment(
    crm_id: str, amount: str, received_on: date, invoice_id: str | None = None, account_id: str = "001A"
) -> Payment:
    """A receipt of `account_id`, linked to `invoice_id` when given."""
    values: dict[str, Any] = {
        "account_crm_id": account_id,
        "amount": amount,
        "currency": "USD",
        "received_on": received_on,
    }
    if invoice_id is not None:
        values["invoice_crm_id"] = invoice_id
    return build_payment(SOURCE, crm_id, values)


SOLID_FINANCIALS = {
    "total_assets": "10000000",
    "total_liabilities": "4000000",
    "current_assets": "5000000",
    "current_liabilities": "2000000",
    "retained_earnings": "3000000",
    "ebit": "1200000",
    "sales": "15000000",
    "equity": "6000000",
    "intangible_assets": "500000",
    "operating_cash_flow": "900000",
}


def solid_account(crm_id: str = "001A", **values: Any) -> Account:
    """A long-standing, profitable, well-rated mid-size customer."""
    base: dict[str, Any] = {
        "name": "Solid Supply",
        "industry": "Banking",
        "currency": "USD",
        "annual_revenue": "15000000",
        "established_on": "1990",
        "bureau_score": 85,
        "financials": dict(SOLID_FINANCIALS),
        "qualitative": {"management": 5, "market_position": 4, "industry_outlook": 4},
    }
    base.update(values)
    return build_account(SOURCE, crm_id, base)
