"""One pass over an account's invoices: exposure, overdue, days past due, sales and payment experiences.

Everything the scorecard, the limit and the flags need from invoices is gathered here in a single loop,
because a portfolio run walks a million invoices. Amounts come out in the decision currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from credit_core.fx import Converter
from credit_core.metrics import PAYDEX_KEY, paydex_from_days
from credit_core.models import Invoice, Order

ZERO = Decimal(0)
ONE = Decimal(1)
_EARLIEST, _LATEST = PAYDEX_KEY[0][0], PAYDEX_KEY[-1][0]
# PAYDEX index per whole day beyond terms, precomputed from metrics.paydex_from_days.
# As Decimals: Decimal x Decimal is cheaper than Decimal x int, and this runs per paid invoice.
_PAYDEX_BY_DAY = tuple(Decimal(paydex_from_days(day)) for day in range(_EARLIEST, _LATEST + 1))
_BEST, _WORST = _PAYDEX_BY_DAY[0], _PAYDEX_BY_DAY[-1]


@dataclass(slots=True)
class Behaviour:
    """What an account's invoices say as of one day (amounts in the decision currency)."""

    invoice_exposure: Decimal = ZERO  # open balances, credit notes included (they reduce it)
    receivables: Decimal = ZERO  # open invoice balances without credit notes (for DSO)
    current_receivables: Decimal = ZERO  # the part not yet due
    overdue_amount: Decimal = ZERO
    overdue_count: int = 0
    over_30_count: int = 0  # invoices more than 30 days past due
    max_days_past_due: int = 0
    sales: Decimal = ZERO  # invoiced within the window
    invoice_count: int = 0  # all invoices on record, without credit notes and void ones
    first_issued_on: date | None = None
    paid_count: int = 0  # invoices paid within the window with a known payment date
    late_count: int = 0  # ... of which paid after their due date
    worst_late_days: int = 0
    experience_amount: Decimal = ZERO  # PAYDEX: Σ amount
    experience_weighted: Decimal = ZERO  # PAYDEX: Σ amount × index

    paydex: int | None = None  # metrics.paydex of the experiences, computed incrementally


def _paydex_index(days: int) -> Decimal:
    if days <= _EARLIEST:
        return _BEST
    if days >= _LATEST:
        return _WORST
    return _PAYDEX_BY_DAY[days - _EARLIEST]


def summarise(
    invoices: Iterable[Invoice],
    as_of: date,
    window_days: int,
    fx: Converter,
    paid_dates: dict[str, date] | None = None,
) -> Behaviour:
    """Walk the invoices once; invoices issued after `as_of` and void ones are ignored."""
    out = Behaviour()
    today = as_of.toordinal()
    window_start = today - window_days
    target = fx.target
    # Locals rather than attribute updates: this loop runs once per invoice of the portfolio.
    first = today + 1
    count = paid_count = late_count = worst_late = 0
    sales = experience_amount = experience_weighted = ZERO
    for inv in invoices:
        issued = inv.issued_on.toordinal()
        status = inv.status
        if issued > today or status == "void":
            continue
        factor = None if inv.currency == target else fx.factor(inv.currency)
        balance = inv.balance or ZERO
        if factor is not None:
            balance *= factor
        if status == "credit_note":
            out.invoice_exposure += balance
            continue
        amount = inv.amount if factor is None else inv.amount * factor
        count += 1
        if issued < first:
            first = issued
        if issued >= window_start:
            sales += amount
        due = inv.due_on.toordinal()
        if balance > ZERO:
            _add_open(out, balance, today - due)
        elif status == "paid" or balance == ZERO:
            paid_on = inv.paid_on or (paid_dates.get(inv.crm_id) if paid_dates else None)
            if paid_on is not None and window_start <= (paid := paid_on.toordinal()) <= today:
                paid_count += 1
                days = paid - due
                if days > 0:
                    late_count += 1
                    worst_late = max(worst_late, days)
                if amount > ZERO:
                    experience_amount += amount
                    index = (
                        _BEST if days <= _EARLIEST else _WORST if days >= _LATEST else _PAYDEX_BY_DAY[days - _EARLIEST]
                    )
                    experience_weighted += amount * index
    out.invoice_count, out.sales, out.paid_count, out.late_count = count, sales, paid_count, late_count
    out.worst_late_days = worst_late
    out.experience_amount += experience_amount
    out.experience_weighted += experience_weighted
    if out.experience_amount:
        ratio = out.experience_weighted / out.experience_amount
        out.paydex = int(ratio.quantize(ONE, rounding=ROUND_HALF_UP))
    if count:
        out.first_issued_on = date.fromordinal(first)
    return out


def _add_open(out: Behaviour, balance: Decimal, days_past_due: int) -> None:
    out.invoice_exposure += balance
    out.receivables += balance
    if days_past_due <= 0:
        out.current_receivables += balance
        return
    out.overdue_amount += balance
    out.overdue_count += 1
    if days_past_due > out.max_days_past_due:
        out.max_days_past_due = days_past_due
    if days_past_due > 30:
        out.over_30_count += 1
    # An open past-due balance is a payment experience still running late (D&B counts it too).
    out.experience_amount += balance
    out.experience_weighted += balance * _paydex_index(days_past_due)


def order_exposure(orders: Iterable[Order], fx: Converter) -> Decimal:
    """The uninvoiced part of open orders, in the decision currency."""
    total = ZERO
    target = fx.target
    for order in orders:
        if order.status != "open" or not order.uninvoiced_amount:
            continue
        amount = order.uninvoiced_amount
        total += amount if order.currency == target else amount * fx.factor(order.currency)
    return total
