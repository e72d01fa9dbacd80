"""Portfolio receivables from the store: aging buckets, DSO, best possible DSO, ADD and CEI.

Amounts are converted into the policy's base currency with the `[fx]` rates; an invoice in a currency
without a rate is counted in `unconverted` and left out, so one missing rate never hides the rest.
The store keeps an invoice's current state, not its history, so the receivables at the start of the
CEI month are rebuilt from what is known: invoices issued before it and not paid by then, at their
full amount (a partial payment's date is not recorded).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core import metrics
from credit_core.models import Invoice
from sync.store.codec import decode_record
from sync.store.schema import accounts, invoices

ZERO = Decimal(0)
TENTH = Decimal("0.1")
DSO_DAYS = 90  # the quarter most credit teams report DSO over
CEI_DAYS = 30  # CEI is a monthly figure


@dataclass
class Receivables:
    """The portfolio's open items and the collection figures derived from them."""

    aging: dict[str, Decimal]
    open_total: Decimal = ZERO
    current: Decimal = ZERO  # not yet due
    sales_dso_period: Decimal = ZERO
    sales_cei_period: Decimal = ZERO
    beginning_cei: Decimal = ZERO
    dso: Decimal | None = None
    best_possible_dso: Decimal | None = None
    average_days_delinquent: Decimal | None = None
    cei: Decimal | None = None
    invoices: int = 0
    unconverted: dict[str, int] = field(default_factory=dict)  # currency -> invoices left out


def _live_invoices(conn: Connection) -> Iterator[Invoice]:
    live_accounts = sa.select(accounts.c.source, accounts.c.crm_id).where(accounts.c.deleted.is_(False))
    query = sa.select(invoices.c.source, invoices.c.crm_id, invoices.c.payload).where(
        invoices.c.deleted.is_(False),
        sa.tuple_(invoices.c.source, invoices.c.account_crm_id).in_(live_accounts),
    )
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
        invoice = decode_record("invoice", row.source, row.crm_id, row.payload)
        assert isinstance(invoice, Invoice)
        yield invoice


def _open_at(invoice: Invoice, day: date) -> bool:
    """Whether the invoice was issued before `day` and not yet paid on it.

    A paid invoice whose payment date is not mapped is taken as paid on its due date.
    """
    if invoice.issued_on >= day or invoice.status in ("void", "credit_note"):
        return False
    paid_on = invoice.paid_on or (invoice.due_on if invoice.status == "paid" else None)
    return paid_on is None or paid_on >= day


def measure_receivables(conn: Connection, base_currency: str, rates: Mapping[str, Decimal], as_of: date) -> Receivables:
    """Aging and collection figures over every live invoice of live accounts, in the base currency."""
    result = Receivables(aging=dict.fromkeys(metrics.aging_labels(), ZERO))
    dso_start = as_of - timedelta(days=DSO_DAYS)
    cei_start = as_of - timedelta(days=CEI_DAYS)
    open_items: list[_Item] = []
    for invoice in _live_invoices(conn):
        rate = Decimal(1) if invoice.currency == base_currency else rates.get(invoice.currency)
        if rate is None:
            result.unconverted[invoice.currency] = result.unconverted.get(invoice.currency, 0) + 1
            continue
        result.invoices += 1
        if invoice.status != "void" and invoice.issued_on <= as_of:
            if invoice.issued_on > dso_start:
                result.sales_dso_period += invoice.amount * rate
            if invoice.issued_on > cei_start:
                result.sales_cei_period += invoice.amount * rate
        if _open_at(invoice, cei_start):
            result.beginning_cei += invoice.amount * rate
        if invoice.status == "open" and invoice.balance:
            balance = invoice.balance * rate
            open_items.append(_Item(balance, invoice.due_on))
            result.open_total += balance
            if invoice.due_on >= as_of:
                result.current += balance
    result.aging = metrics.aging_buckets(open_items, as_of)
    _collection_figures(result)
    return result


def _rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(TENTH)


def _collection_figures(r: Receivables) -> None:
    r.dso = _rounded(metrics.dso_simple(r.open_total, r.sales_dso_period, DSO_DAYS))
    r.best_possible_dso = _rounded(metrics.best_possible_dso(r.current, r.sales_dso_period, DSO_DAYS))
    add = metrics.average_days_delinquent(r.open_total, r.current, r.sales_dso_period, DSO_DAYS)
    r.average_days_delinquent = _rounded(add)
    r.cei = _rounded(
        metrics.collection_effectiveness_index(r.beginning_cei, r.sales_cei_period, r.open_total, r.current)
    )


@dataclass(frozen=True, slots=True)
class _Item:
    """An open balance and its due date, as `metrics.aging_buckets` takes them."""

    balance: Decimal
    due_on: date
