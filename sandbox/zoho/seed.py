"""Render the CRM-neutral `Portfolio` into the org's Accounts, Invoices, Sales_Orders and Users.

Deterministic for a given (n, seed, as_of): every timestamp is derived from the portfolio's dates
plus per-record seeded jitter, and never later than the sandbox's clock at start. Accounts come
from one bulk import ten per second, so `Modified_Time`/`Created_Time` ties are common, as in a
real org after a data migration.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sandbox.portfolio import HISTORY_DAYS, USERS, Company, CustomerData, GenInvoice, GenOrder, Portfolio
from sandbox.zoho.ids import make_id
from sandbox.zoho.org import Org, User
from sandbox.zoho.schema import FINANCIAL_FIELDS
from sandbox.zoho.table import Row

# Exchange_Rate: units of the record currency per one unit of the home currency (USD).
EXCHANGE_RATES = {"USD": 1.0, "EUR": 0.925926, "GBP": 0.787402, "CAD": 1.369863, "MXN": 17.241379}
INVOICE_STATUS = {"open": "Delivered", "paid": "Paid", "void": "Cancelled", "credit_note": "Credit Note"}
ORDER_STATUS = {"open": "Approved", "invoiced": "Delivered", "cancelled": "Cancelled"}


def seed_users(org: Org) -> None:
    """The API user (id n=0) and the portfolio's sales reps."""
    org.users[org.api_user_id] = User(org.api_user_id, "Sandbox", "Admin", "admin@sandbox.example", "Administrator")
    for k, name in enumerate(USERS):
        first, last = name.split(" ", 1)
        user_id = make_id("Users", k + 1)
        org.users[user_id] = User(user_id, first, last, f"{first}.{last}".lower() + "@sandbox.example")
    org.ids.reserve("Users", len(USERS) + 1)


def owner_id(company: Company) -> int:
    """The user who owns a customer's records."""
    return make_id("Users", company.owner_index + 1)


class Seeder:
    """Turns portfolio customers into rows; `cap` keeps every timestamp in the past."""

    def __init__(self, org: Org, portfolio: Portfolio, cap: int) -> None:
        self.org = org
        self.portfolio = portfolio
        self.cap = cap
        self._bases: dict[tuple[date, time], int] = {}
        self.import_at = self._epoch(portfolio.as_of - timedelta(days=HISTORY_DAYS + 30), time(9, 0))
        self.counts = {"Accounts": 0, "Invoices": 0, "Sales_Orders": 0}

    def _epoch(self, day: date, at: time, extra: int = 0) -> int:
        key = (day, at)
        base = self._bases.get(key)
        if base is None:
            base = self._bases[key] = int(datetime.combine(day, at, self.org.time.zone).timestamp())
        return min(base + extra, self.cap)

    def _rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.portfolio.seed}:zoho:{kind}:{index}")

    def add(self, data: CustomerData) -> None:
        """Insert one customer with its invoices and orders."""
        company = data.company
        r = self._rng("customer", company.index)  # one stream per customer: deterministic and cheap
        account_id = make_id("Accounts", company.index)
        self._put("Accounts", self._account(r, company, account_id))
        for invoice in data.invoices:
            self._put("Invoices", self._invoice(r, invoice, company, account_id))
        for order in data.orders:
            self._put("Sales_Orders", self._order(r, order, company, account_id))

    def _put(self, module: str, row: Row) -> None:
        row.setdefault("Created_By", row["Owner"])
        row.setdefault("Modified_By", row["Owner"])
        self.org.tables[module].insert(row)
        self.counts[module] += 1

    def _account(self, r: random.Random, company: Company, account_id: int) -> Row:
        created = min(self.import_at + company.index // 10, self.cap)
        modified = min(created + r.randrange(HISTORY_DAYS * 86400), self.cap)
        row: Row = {
            "id": account_id,
            "Account_Name": company.name,
            "Account_Number": f"ACC-{company.index + 1:06d}",
            "Account_Type": "Customer",
            "Industry": company.industry,
            "Annual_Revenue": float(company.annual_revenue),
            "Employees": company.employees,
            "Parent_Account": make_id("Accounts", company.parent_index) if company.parent_index is not None else None,
            "Billing_Country": company.country,
            "Currency": company.currency,
            "Exchange_Rate": EXCHANGE_RATES.get(company.currency, 1.0),
            "Owner": owner_id(company),
            "Created_Time": created,
            "Modified_Time": modified,
            "Established_On": date(company.year_started, 1, 1).isoformat(),
        }
        if company.financials is not None:
            for key, (api_name, _) in FINANCIAL_FIELDS.items():
                row[api_name] = float(company.financials[key])
            row["Financials_As_Of"] = date(self.portfolio.as_of.year - 1, 12, 31).isoformat()
        return row

    def _invoice(self, r: random.Random, invoice: GenInvoice, company: Company, account_id: int) -> Row:
        created = self._epoch(invoice.issued_on, time(10, 0), r.randrange(6 * 3600))
        last_change = invoice.paid_on or invoice.issued_on + timedelta(days=r.randrange(3))
        modified = max(created, self._epoch(min(last_change, self.portfolio.as_of), time(14, 0), r.randrange(3600)))
        amount = float(invoice.amount)
        return {
            "id": make_id("Invoices", invoice.index),
            "Subject": f"Invoice {invoice.number}",
            "Invoice_Number": invoice.number,
            "Account_Name": account_id,
            "Invoice_Date": invoice.issued_on.isoformat(),
            "Due_Date": invoice.due_on.isoformat(),
            "Status": INVOICE_STATUS[invoice.status],
            "Sub_Total": amount,
            "Tax": 0.0,
            "Adjustment": 0.0,
            "Grand_Total": amount,
            "Currency": company.currency,
            "Exchange_Rate": EXCHANGE_RATES.get(company.currency, 1.0),
            "Balance_Due": float(invoice.balance),
            "Paid_On": invoice.paid_on.isoformat() if invoice.paid_on else None,
            "Owner": owner_id(company),
            "Created_Time": created,
            "Modified_Time": min(modified, self.cap),
        }

    def _order(self, r: random.Random, order: GenOrder, company: Company, account_id: int) -> Row:
        created = self._epoch(order.ordered_on, time(11, 0), r.randrange(3600))
        amount = float(order.amount)
        return {
            "id": make_id("Sales_Orders", order.index),
            "Subject": f"Order {order.number}",
            "SO_Number": order.number,
            "Account_Name": account_id,
            "Status": ORDER_STATUS[order.status],
            "Sub_Total": amount,
            "Grand_Total": amount,
            "Uninvoiced_Amount": float(order.uninvoiced_amount),
            "Currency": company.currency,
            "Exchange_Rate": EXCHANGE_RATES.get(company.currency, 1.0),
            "Owner": owner_id(company),
            "Created_Time": created,
            "Modified_Time": min(created + r.randrange(2 * 86400), self.cap),
        }


def seed_org(org: Org, portfolio: Portfolio) -> dict[str, int]:
    """Fill the org from the portfolio; returns rows per module."""
    seed_users(org)
    seeder = Seeder(org, portfolio, cap=org.clock.epoch() - 60)
    with org.lock:
        for data in portfolio:
            seeder.add(data)
        for module, count in seeder.counts.items():
            org.ids.reserve(module, _max_index(portfolio, module, count))
    return dict(seeder.counts)


def _max_index(portfolio: Portfolio, module: str, count: int) -> int:
    # Accounts use the customer index; invoices and orders their running index, so `count` is the next free one.
    return portfolio.n if module == "Accounts" else count
