"""A deterministic, CRM-neutral B2B portfolio: customers, invoices, orders and receipts.

Every sandbox renders this same portfolio in its own CRM's shapes. Each customer carries a hidden
12-month probability of serious delinquency (`Company.pd`), and its financial ratios and payment
behaviour are drawn from it, so a good credit policy can rank customers better than chance. Model
quality is measured against this formula (the backtest), so it stays fixed once the Salesforce
issue is resolved. Changing it changes every published figure.

The hidden risk formula (per customer, with z ~ N(0, 1) drawn first):
    logit(pd) = -3.0 + 1.1·z + INDUSTRY_RISK[industry] + age_term + size_term
    age_term  = +0.6 if years in business < 3, +0.25 if < 10, else 0
    size_term = -0.25·(log10(annual revenue) - 7)
Financial ratios (40 % of customers report them) move against z:
    WC/TA = 0.18 - 0.09·z + N(0, .05);  RE/TA = 0.22 - 0.12·z + N(0, .08);
    EBIT/TA = 0.07 - 0.05·z + N(0, .03); equity/TL = exp(0.1 - 0.45·z + N(0, .3)); sales/TA = 1.3·e^N(0, .25)
Payment behaviour, per invoice:
    early with probability 0.25·(1 - 4·pd), clamped at 0 (paid 1–15 days before due);
    otherwise late with probability min(0.95, 0.08 + 2.8·pd), days late ~ Exponential(mean 4 + 70·pd);
    a customer falls into distress with probability pd per 12 months (monthly hazard pd/12); from the
    month of distress on its invoices stay unpaid. Unpaid invoices past due more than 90 days are the
    "bad" outcome the backtest counts.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

HISTORY_DAYS = 730  # two years of invoices behind `as_of`
CENT = Decimal("0.01")

# Salesforce's standard Industry picklist values, with a risk offset on the logit scale.
INDUSTRY_RISK: dict[str, float] = {
    "Agriculture": 0.2,
    "Apparel": 0.3,
    "Banking": -0.5,
    "Biotechnology": 0.2,
    "Chemicals": 0.0,
    "Communications": -0.1,
    "Construction": 0.5,
    "Consulting": 0.1,
    "Education": -0.3,
    "Electronics": 0.0,
    "Energy": -0.1,
    "Engineering": 0.0,
    "Entertainment": 0.4,
    "Environmental": 0.0,
    "Finance": -0.3,
    "Food & Beverage": 0.2,
    "Government": -0.8,
    "Healthcare": -0.3,
    "Hospitality": 0.6,
    "Insurance": -0.4,
    "Machinery": 0.1,
    "Manufacturing": 0.1,
    "Media": 0.3,
    "Not For Profit": 0.0,
    "Recreation": 0.4,
    "Retail": 0.4,
    "Shipping": 0.2,
    "Technology": -0.1,
    "Telecommunications": -0.2,
    "Transportation": 0.3,
    "Utilities": -0.6,
    "Other": 0.1,
}
INDUSTRIES = tuple(INDUSTRY_RISK)
COUNTRIES = ("United States", "United States", "United States", "Canada", "United Kingdom", "Germany", "Mexico")
_FIRST = (
    "North",
    "Blue",
    "Summit",
    "Iron",
    "Silver",
    "Pacific",
    "Granite",
    "Harbor",
    "Maple",
    "Cedar",
    "Eagle",
    "Pioneer",
    "Atlas",
    "Orion",
    "Lake",
    "River",
    "Prairie",
    "Golden",
    "Red",
    "Union",
)
_SECOND = ("wind", "stone", "field", "bridge", "point", "gate", "view", "ridge", "crest", "wood")
_SUFFIX = (
    "Traders",
    "Industries",
    "Supply",
    "Logistics",
    "Foods",
    "Systems",
    "Builders",
    "Partners",
    "Manufacturing",
    "Retail Group",
    "Holdings",
    "Distribution",
)
USERS = (
    "Ana Ruiz",
    "Ben Okafor",
    "Chen Wei",
    "Dana Kowalski",
    "Eli Haddad",
    "Fatima Noor",
    "Gus Lindqvist",
    "Hana Sato",
    "Ivan Petrov",
    "Julia Costa",
)


@dataclass(frozen=True, slots=True)
class Company:
    """A customer. `pd` is hidden from the product: it is what the credit core must discover."""

    index: int
    name: str
    industry: str
    country: str
    currency: str
    annual_revenue: Decimal
    employees: int
    year_started: int
    parent_index: int | None
    owner_index: int
    pd: float
    distress_on: date | None  # from this day on the customer stops paying
    financials: dict[str, Decimal] | None


@dataclass(frozen=True, slots=True)
class GenInvoice:
    index: int
    company_index: int
    number: str
    issued_on: date
    due_on: date
    amount: Decimal  # negative for a credit note
    balance: Decimal  # open amount as of the portfolio date
    paid_on: date | None
    status: str  # open | paid | void | credit_note


@dataclass(frozen=True, slots=True)
class GenOrder:
    index: int
    company_index: int
    number: str
    ordered_on: date
    amount: Decimal
    uninvoiced_amount: Decimal
    status: str  # open | invoiced | cancelled


@dataclass(frozen=True, slots=True)
class GenPayment:
    index: int
    company_index: int
    invoice_index: int
    amount: Decimal
    received_on: date


@dataclass(frozen=True, slots=True)
class CustomerData:
    """One customer with everything generated for it."""

    company: Company
    invoices: tuple[GenInvoice, ...]
    orders: tuple[GenOrder, ...]
    payments: tuple[GenPayment, ...]


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


class Portfolio:
    """`n` customers generated from `seed` as of `as_of`; customer i is the same whatever n is."""

    def __init__(self, n: int, seed: int = 7, as_of: date | None = None, currencies: tuple[str, ...] = ("USD",)):
        self.n = n
        self.seed = seed
        self.as_of = as_of or date.today()
        self.currencies = currencies

    def _rng(self, index: int, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}:{index}")

    def company(self, i: int) -> Company:
        """Customer i, drawn from its own random stream."""
        r = self._rng(i, "company")
        z = r.gauss(0, 1)
        industry = r.choice(INDUSTRIES)
        revenue = 10 ** r.uniform(5.5, 9.0)
        age = int(r.expovariate(1 / 15)) + 1
        age_term = 0.6 if age < 3 else 0.25 if age < 10 else 0.0
        size_term = -0.25 * (math.log10(revenue) - 7)
        pd = _logistic(-3.0 + 1.1 * z + INDUSTRY_RISK[industry] + age_term + size_term)
        distress_on = self._distress_day(r, pd)
        parent = r.randrange(i) if i > 10 and r.random() < 0.08 else None
        name = f"{r.choice(_FIRST)}{r.choice(_SECOND)} {r.choice(_SUFFIX)} {i + 1}"
        return Company(
            index=i,
            name=name,
            industry=industry,
            country=r.choice(COUNTRIES),
            currency=self.currencies[r.randrange(len(self.currencies))],
            annual_revenue=Decimal(int(revenue)),
            employees=max(1, int(revenue / r.uniform(150_000, 400_000))),
            year_started=self.as_of.year - age,
            parent_index=parent,
            owner_index=r.randrange(len(USERS)),
            pd=pd,
            distress_on=distress_on,
            financials=self._financials(r, z, revenue) if r.random() < 0.4 else None,
        )

    def _distress_day(self, r: random.Random, pd: float) -> date | None:
        # Monthly hazard pd/12 over the two years of history plus the year ahead of `as_of`
        # (the year ahead is what a backtest from an earlier date must predict).
        start = self.as_of - timedelta(days=HISTORY_DAYS)
        for month in range(36):
            if r.random() < pd / 12:
                return start + timedelta(days=30 * month + r.randrange(30))
        return None

    def _financials(self, r: random.Random, z: float, revenue: float) -> dict[str, Decimal]:
        total_assets = revenue / (1.3 * math.exp(r.gauss(0, 0.25)))
        equity_to_tl = math.exp(0.1 - 0.45 * z + r.gauss(0, 0.3))
        liabilities = total_assets / (1 + equity_to_tl)
        current_liabilities = liabilities * r.uniform(0.3, 0.7)
        working_capital = total_assets * (0.18 - 0.09 * z + r.gauss(0, 0.05))
        ebit = total_assets * (0.07 - 0.05 * z + r.gauss(0, 0.03))
        return {
            "total_assets": _money(total_assets),
            "total_liabilities": _money(liabilities),
            "current_assets": _money(current_liabilities + working_capital),
            "current_liabilities": _money(current_liabilities),
            "retained_earnings": _money(total_assets * (0.22 - 0.12 * z + r.gauss(0, 0.08))),
            "ebit": _money(ebit),
            "sales": _money(revenue),
            "equity": _money(total_assets - liabilities),
            "intangible_assets": _money(total_assets * r.uniform(0.0, 0.15)),
            "operating_cash_flow": _money(ebit * r.uniform(0.6, 1.3)),
        }

    def customer(self, i: int, first_invoice: int, first_order: int) -> CustomerData:
        """Customer i with its invoices, orders and receipts; record indexes start at the given numbers."""
        company = self.company(i)
        r = self._rng(i, "activity")
        invoices: list[GenInvoice] = []
        payments: list[GenPayment] = []
        typical = float(company.annual_revenue) * r.uniform(0.0005, 0.003)
        count = max(1, int(r.gauss(10, 4)))
        for k in range(count):
            index = first_invoice + k
            issued = self.as_of - timedelta(days=r.randrange(HISTORY_DAYS))
            terms = r.choice((30, 30, 30, 45, 60))
            amount = _money(typical * math.exp(r.gauss(0, 0.5)))
            kind = r.random()
            if kind < 0.02:
                invoices.append(self._credit_note(index, company, issued, amount))
                continue
            if kind < 0.03:
                invoices.append(
                    GenInvoice(
                        index,
                        i,
                        f"INV-{index + 1:07d}",
                        issued,
                        issued + timedelta(days=terms),
                        amount,
                        Decimal("0.00"),
                        None,
                        "void",
                    )
                )
                continue
            invoice, payment = self._invoice(r, index, company, issued, terms, amount)
            invoices.append(invoice)
            if payment is not None:
                payments.append(payment)
        invoices.sort(key=lambda inv: (inv.issued_on, inv.index))
        orders = tuple(self._order(r, first_order + k, company) for k in range(r.randrange(0, 4)))
        return CustomerData(company, tuple(invoices), orders, tuple(payments))

    def _credit_note(self, index: int, company: Company, issued: date, amount: Decimal) -> GenInvoice:
        value = -(amount / 4).quantize(CENT)
        return GenInvoice(
            index, company.index, f"CN-{index + 1:07d}", issued, issued, value, value, None, "credit_note"
        )

    def _invoice(
        self, r: random.Random, index: int, company: Company, issued: date, terms: int, amount: Decimal
    ) -> tuple[GenInvoice, GenPayment | None]:
        due = issued + timedelta(days=terms)
        pd = company.pd
        if company.distress_on is not None and issued >= company.distress_on:
            paid: date | None = None
        elif r.random() < max(0.0, 0.25 * (1 - 4 * pd)):
            paid = due - timedelta(days=r.randint(1, 15))
        elif r.random() < min(0.95, 0.08 + 2.8 * pd):
            paid = due + timedelta(days=1 + int(r.expovariate(1 / (4 + 70 * pd))))
        else:
            paid = due - timedelta(days=r.randint(0, 2))
        paid = max(paid, issued) if paid is not None else None
        number = f"INV-{index + 1:07d}"
        if paid is None or paid > self.as_of:
            # Still open today; a few customers have paid part of it.
            balance = amount if r.random() > 0.1 else (amount * Decimal("0.5")).quantize(CENT)
            return GenInvoice(index, company.index, number, issued, due, amount, balance, None, "open"), None
        payment = GenPayment(index, company.index, index, amount, paid)
        return GenInvoice(index, company.index, number, issued, due, amount, Decimal("0.00"), paid, "paid"), payment

    def _order(self, r: random.Random, index: int, company: Company) -> GenOrder:
        amount = _money(float(company.annual_revenue) * r.uniform(0.0003, 0.002))
        status = r.choices(("open", "invoiced", "cancelled"), weights=(6, 3, 1))[0]
        uninvoiced = (amount * Decimal(str(r.choice((1, 1, 0.5))))).quantize(CENT) if status == "open" else CENT * 0
        return GenOrder(
            index,
            company.index,
            f"ORD-{index + 1:07d}",
            self.as_of - timedelta(days=r.randrange(60)),
            amount,
            uninvoiced,
            status,
        )

    def __iter__(self) -> Iterator[CustomerData]:
        """Every customer in index order, generated lazily (a million invoices never sit in memory)."""
        next_invoice = next_order = 0
        for i in range(self.n):
            data = self.customer(i, next_invoice, next_order)
            next_invoice += len(data.invoices)
            next_order += len(data.orders)
            yield data
