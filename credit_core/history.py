"""The past, reconstructed: an account's receivables as they stood on an earlier day, and what came next.

A backtest may use only what was known on its as-of day T: invoices issued by T, with a payment made
after T undone (the invoice was still open then, for its amount less the receipts linked to it up to
T). What the records cannot tell is left as it is and documented: a void invoice stays void (when it
was voided is not recorded); a settled invoice whose payment day is unknown stays settled.

The outcome is the one the Creditsafe rating and the sandbox's hidden risk model predict: serious
delinquency, i.e. an invoice more than 90 days past due on some day of the horizon (T, T + horizon].
An account already in that state on T is not a prediction and is left out of the backtest.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from credit_core.fx import Converter
from credit_core.models import Invoice, Payment
from credit_core.payments import resolve_paid_dates

ZERO = Decimal(0)
SERIOUS_DAYS = 90  # "90+ days past due": more than 90 days after the due date


def paid_dates(invoices: Sequence[Invoice], payments: Iterable[Payment], fx: Converter) -> dict[str, date]:
    """Invoice crm_id -> the day it was settled, from the invoice itself or from its receipts."""
    found = resolve_paid_dates(invoices, payments, date.max, fx)
    for invoice in invoices:
        if invoice.paid_on is not None:
            found[invoice.crm_id] = invoice.paid_on
    return found


def _receipts_by(payments: Iterable[Payment], day: date, fx: Converter) -> dict[str, Decimal]:
    paid: defaultdict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        if payment.invoice_crm_id is not None and payment.received_on <= day:
            paid[payment.invoice_crm_id] += fx.to_target(payment.amount, payment.currency)
    return paid


def known_on(
    invoices: Sequence[Invoice], payments: Sequence[Payment], day: date, fx: Converter
) -> tuple[list[Invoice], list[Payment]]:
    """The invoices and receipts as they stood at the end of `day` (see the module notes)."""
    settled = paid_dates(invoices, payments, fx)
    receipts = _receipts_by(payments, day, fx)
    then: list[Invoice] = []
    for inv in invoices:
        if inv.issued_on > day:
            continue
        if inv.status in ("void", "credit_note"):
            then.append(inv)
            continue
        paid_on = settled.get(inv.crm_id)
        if paid_on is not None and paid_on <= day:
            then.append(dataclasses.replace(inv, status="paid", balance=ZERO, paid_on=paid_on))
        elif paid_on is not None or inv.status == "open":
            received = receipts.get(inv.crm_id, ZERO) / fx.factor(inv.currency) if receipts else ZERO
            balance = max(inv.amount - received, ZERO)
            then.append(dataclasses.replace(inv, status="open", balance=balance, paid_on=None))
        else:
            then.append(inv)  # settled on a day nobody recorded: left settled
    return then, [p for p in payments if p.received_on <= day]


def _first_serious_day(invoice: Invoice, paid_on: date | None, after: date) -> date | None:
    """The first day after `after` on which the invoice is more than 90 days past due and not paid before it.

    Paid on day 91 after its due date still counts: it was 91 days late when it was paid.
    """
    day = max(after + timedelta(days=1), invoice.due_on + timedelta(days=SERIOUS_DAYS + 1))
    if paid_on is not None and paid_on < day:
        return None
    return day


def _counts(invoice: Invoice) -> bool:
    return invoice.status not in ("void", "credit_note") and invoice.amount > ZERO


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an account's invoices did after the as-of day."""

    customer: bool  # had an invoice issued by the as-of day
    already_bad: bool  # more than 90 days past due on the as-of day itself
    bad: bool  # more than 90 days past due on some day of the horizon


def outcome(
    invoices: Sequence[Invoice], payments: Sequence[Payment], as_of: date, horizon_end: date, fx: Converter
) -> Outcome:
    """Serious delinquency within (as_of, horizon_end], from the full record (paid days included)."""
    settled = paid_dates(invoices, payments, fx)
    customer = already = bad = False
    for inv in invoices:
        if not _counts(inv) or inv.issued_on > horizon_end:
            continue
        customer = customer or inv.issued_on <= as_of
        paid_on = settled.get(inv.crm_id)
        if paid_on is None and inv.status == "paid":
            continue  # settled, day unknown: not counted either way
        if inv.issued_on <= as_of:
            serious_on = inv.due_on + timedelta(days=SERIOUS_DAYS + 1)
            if serious_on <= as_of and (paid_on is None or paid_on > as_of):
                already = True
        first = _first_serious_day(inv, paid_on, as_of)
        if first is not None and first <= horizon_end:
            bad = True
    return Outcome(customer, already, bad)
