"""Payment dates from separately recorded receipts, for settled invoices whose CRM keeps no paid-on date.

Zoho and Fxiaoke often record receipts as their own records; the invoice then only says "paid". A receipt
linked to an invoice settles that invoice; unlinked receipts settle the oldest settled-but-undated invoices
first (first in, first out), which is how most receivables ledgers apply unallocated cash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from credit_core.fx import Converter
from credit_core.models import Invoice, Payment

ZERO = Decimal(0)


def _settled_without_date(invoice: Invoice) -> bool:
    if invoice.paid_on is not None or invoice.status in ("void", "credit_note"):
        return False
    return invoice.status == "paid" or invoice.balance == ZERO


def resolve_paid_dates(
    invoices: Sequence[Invoice], payments: Iterable[Payment], as_of: date, fx: Converter
) -> dict[str, date]:
    """Invoice crm_id -> the day its receipts reached its amount (or its last receipt's day)."""
    undated = {inv.crm_id: inv for inv in invoices if _settled_without_date(inv)}
    if not undated:
        return {}
    linked: dict[str, list[Payment]] = defaultdict(list)
    unlinked: list[Payment] = []
    for payment in payments:
        if payment.received_on > as_of:
            continue
        if payment.invoice_crm_id is not None:
            linked[payment.invoice_crm_id].append(payment)
        else:
            unlinked.append(payment)
    dates: dict[str, date] = {}
    for crm_id, receipts in linked.items():
        invoice = undated.get(crm_id)
        if invoice is not None:
            dates[crm_id] = _settling_day(invoice, sorted(receipts, key=_receipt_order), fx)
    waiting = sorted((inv for inv in undated.values() if inv.crm_id not in dates), key=_fifo_order)
    _apply_unlinked(waiting, sorted(unlinked, key=_receipt_order), fx, dates)
    return dates


def _receipt_order(payment: Payment) -> tuple[date, str]:
    return payment.received_on, payment.crm_id


def _fifo_order(invoice: Invoice) -> tuple[date, date, str]:
    return invoice.due_on, invoice.issued_on, invoice.crm_id


def _settling_day(invoice: Invoice, receipts: Sequence[Payment], fx: Converter) -> date:
    owed = fx.to_target(invoice.amount, invoice.currency)
    paid = ZERO
    for receipt in receipts:
        paid += fx.to_target(receipt.amount, receipt.currency)
        if paid >= owed:
            return receipt.received_on
    return receipts[-1].received_on


def _apply_unlinked(waiting: list[Invoice], receipts: list[Payment], fx: Converter, dates: dict[str, date]) -> None:
    queue = iter(receipts)
    left = ZERO  # what the current receipt still has to give
    day: date | None = None
    for invoice in waiting:
        owed = fx.to_target(invoice.amount, invoice.currency)
        while owed > ZERO:
            if left <= ZERO:
                receipt = next(queue, None)
                if receipt is None:
                    return  # not fully covered: its payment day stays unknown
                left, day = fx.to_target(receipt.amount, receipt.currency), receipt.received_on
            used = min(owed, left)
            owed -= used
            left -= used
        if day is not None:
            dates[invoice.crm_id] = day
