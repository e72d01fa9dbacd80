"""Dunning: each overdue invoice's stage and charges, a notice draft per customer and stage, the promise-to-pay pause.

A stage starts on the policy's day past due (`[dunning]`); interest (`metrics.dunning_charges`, from the due
date, once an invoice reaches `interest_from`) and the flat fee of the notice's stage apply only where the
policy sets them. A promise to pay freezes escalation until the promised day has passed: stages stay where
the previous decision had them, nothing is hidden (flags and aging still show the lateness).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from credit_core.metrics import dunning_charges
from credit_core.models import Account, Decision, Invoice
from credit_core.policy import DUNNING_STAGES, Dunning

CENT = Decimal("0.01")
ZERO = Decimal(0)

_OPENING = {
    "reminder": "This is a friendly reminder that the invoices below have passed their due date. "
    "If you have already paid, please ignore this note.",
    "first": "Our records show the invoices below as unpaid. Please settle them within 7 days.",
    "second": "Despite our earlier reminder the invoices below are still unpaid. Please pay them now; "
    "late-payment charges apply as shown.",
    "final": "Final notice: unless the balance below reaches us within 7 days, we will hand the matter "
    "to collection without further notice.",
    "legal": "As the invoices below remain unpaid after our final notice, we have handed the matter to collection.",
}
_TITLE = {
    "reminder": "Payment reminder",
    "first": "First reminder",
    "second": "Second reminder",
    "final": "Final notice",
    "legal": "Notice of collection",
}


def stage_rank(stage: str | None) -> int:
    """0 for no stage, then 1 (reminder) to 5 (legal)."""
    return 0 if stage is None else DUNNING_STAGES.index(stage) + 1


def stage_of(days_past_due: int, policy: Dunning) -> str | None:
    """The stage an invoice this many days past due has reached (None before the reminder day)."""
    found = None
    for stage in DUNNING_STAGES:
        if days_past_due >= getattr(policy, stage):
            found = stage
    return found


def promise_active(account: Account, as_of: date) -> bool:
    """Whether a promise to pay still holds on `as_of` (it holds through the promised day)."""
    return account.promise_to_pay_on is not None and as_of <= account.promise_to_pay_on


def held_stage(computed: str | None, previous: Decision | None, account: Account, as_of: date) -> str | None:
    """The account's dunning stage: while a promise to pay holds, never above the previous decision's."""
    if previous is None or not promise_active(account, as_of):
        return computed
    if stage_rank(computed) <= stage_rank(previous.dunning_stage):
        return computed  # paying down may still lower the stage
    return previous.dunning_stage


@dataclass(frozen=True, slots=True)
class InvoiceDunning:
    """One overdue invoice: its stage and the interest it carries."""

    crm_id: str
    number: str | None
    currency: str
    due_on: date
    balance: Decimal
    days_past_due: int
    stage: str
    interest: Decimal


def _open_balance(invoice: Invoice) -> Decimal:
    if invoice.status != "open":
        return ZERO
    return (invoice.amount if invoice.balance is None else invoice.balance).quantize(CENT)


def invoice_stages(
    invoices: Iterable[Invoice], policy: Dunning, as_of: date, cap: str | None = None, capped: bool = False
) -> list[InvoiceDunning]:
    """Every open invoice that has reached a stage, oldest due first; `capped` limits stages to `cap`."""
    found: list[InvoiceDunning] = []
    for invoice in invoices:
        balance = _open_balance(invoice)
        days = (as_of - invoice.due_on).days
        stage = stage_of(days, policy)
        if balance <= ZERO or stage is None:
            continue
        if capped and stage_rank(stage) > stage_rank(cap):
            if cap is None:
                continue  # no notice had gone out when the customer promised to pay
            stage = cap
        interest = ZERO
        if policy.interest_rate_pct > ZERO and stage_rank(stage) >= stage_rank(policy.interest_from):
            interest, _, _ = dunning_charges(balance, policy.interest_rate_pct, days, ZERO)
            interest = interest.quantize(CENT, ROUND_HALF_UP)
        number, currency = invoice.number, invoice.currency
        found.append(InvoiceDunning(invoice.crm_id, number, currency, invoice.due_on, balance, days, stage, interest))
    found.sort(key=lambda line: (line.due_on, line.crm_id))
    return found


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """A dunning notice a rep can send: one customer, one stage, one currency."""

    source: str
    account_crm_id: str
    account_name: str | None
    stage: str
    currency: str
    lines: tuple[InvoiceDunning, ...]
    outstanding: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    paused_until: date | None
    subject: str
    body: str


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _body(name: str | None, stage: str, lines: tuple[InvoiceDunning, ...], fee: Decimal, currency: str) -> str:
    outstanding = sum((line.balance for line in lines), ZERO)
    interest = sum((line.interest for line in lines), ZERO)
    text = [f"Dear {name or 'customer'},", "", _OPENING[stage], ""]
    for line in lines:
        what = f"Invoice {line.number or line.crm_id}, due {line.due_on.isoformat()}"
        charge = f" + interest {_money(line.interest, currency)}" if line.interest else ""
        text.append(f"- {what} ({line.days_past_due} days ago): {_money(line.balance, currency)}{charge}")
    text += ["", f"Outstanding: {_money(outstanding, currency)}"]
    if interest:
        text.append(f"Interest: {_money(interest, currency)}")
    if fee:
        text.append(f"Dunning fee: {_money(fee, currency)}")
    text.append(f"Total due now: {_money(outstanding + interest + fee, currency)}")
    return "\n".join(text)


def notice_drafts(
    account: Account, invoices: Iterable[Invoice], decision: Decision | None, policy: Dunning, as_of: date
) -> list[NoticeDraft]:
    """One draft per stage and currency the customer's overdue invoices have reached, in stage order.

    While a promise to pay holds, stages are capped at the current decision's (itself held at the
    stage the promise found), so no notice escalates before the promised day has passed.
    """
    paused = promise_active(account, as_of) and decision is not None
    cap = decision.dunning_stage if decision is not None else None
    lines = invoice_stages(invoices, policy, as_of, cap, capped=paused)
    groups: dict[tuple[str, str], list[InvoiceDunning]] = {}
    for line in lines:
        groups.setdefault((line.stage, line.currency), []).append(line)
    drafts = []
    for (stage, currency), group in sorted(groups.items(), key=lambda item: (stage_rank(item[0][0]), item[0][1])):
        chosen = tuple(group)
        fee = next((amount for named, amount in policy.fees.items() if named == stage), ZERO)
        outstanding = sum((line.balance for line in chosen), ZERO)
        interest = sum((line.interest for line in chosen), ZERO)
        total = (outstanding + interest + fee).quantize(CENT)
        subject = f"{_TITLE[stage]}: {len(chosen)} overdue invoice{'s' if len(chosen) > 1 else ''}"
        body = _body(account.name, stage, chosen, fee, currency)
        until = account.promise_to_pay_on if paused else None
        drafts.append(NoticeDraft(account.source, account.crm_id, account.name, stage, currency, chosen, outstanding,
                                  interest, fee, total, until, subject, body))  # fmt: skip
    return drafts
