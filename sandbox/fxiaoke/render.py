"""The shared portfolio rendered as Fxiaoke records.

customers → `AccountObj`; orders → `SalesOrderObj` (a cancelled order is 作废: `life_status`
invalid); invoices → 回款计划 `PaymentPlanObj` (due date = `plan_payment_time`, received =
`actual_payment_amount`, a void invoice invalid, a credit note a negative plan of its own record
type); receipts → 回款 `PaymentObj` plus the 回款明细 `OrderPaymentObj` that links it to its plan.
Timestamps follow the business events (an invoice is created when issued and modified when paid,
or when it fell overdue) and never lie ahead of the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta

from sandbox.fxiaoke.objects import ACCOUNT_CUSTOM, ORDER_CUSTOM
from sandbox.fxiaoke.people import ROOT_DEPARTMENT
from sandbox.fxiaoke.store import Record, record_id
from sandbox.fxiaoke.tenant import PLAN, Tenant, plan_status
from sandbox.fxiaoke.values import date_ms, money_text
from sandbox.portfolio import HISTORY_DAYS, Company, CustomerData, GenInvoice, GenOrder, GenPayment, Portfolio

DAY_MS = 86_400_000
PAYMENT_METHODS = ("1", "2", "3", "3", "3")  # bank transfer most of the time


def _hash(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


class Renderer:
    """Writes one portfolio into a tenant's store."""

    def __init__(self, tenant: Tenant, now_ms: int) -> None:
        self.tenant = tenant
        self.seed = tenant.seed
        self.now_ms = now_ms
        self.admin = tenant.people.admin().employee_id
        account = tenant.schema.objects["AccountObj"]
        self.account_fields = tenant.custom_names("AccountObj", ACCOUNT_CUSTOM)
        self.order_fields = tenant.custom_names("SalesOrderObj", ORDER_CUSTOM)
        self.industry_codes = {o.label: o.value for o in account.fields["industry_level1"].options}
        self.country_codes = {o.label: o.value for o in account.fields["country"].options}

    def id(self, api_name: str, index: int) -> str:
        """The `_id` of the record rendered from portfolio item `index`."""
        return record_id(self.seed, api_name, str(index))

    def stamp(self, day: date, *salt: object) -> int:
        """An instant during office hours (China time) of `day`, never after the clock."""
        ms = date_ms(day) + 9 * 3_600_000 + _hash(self.seed, *salt) % (9 * 3_600_000)
        return min(ms, self.now_ms - 1)

    def base(self, api_name: str, object_id: str, name: str, owner: str, created: int, modified: int) -> Record:
        """The system fields every rendered record carries."""
        return {
            "_id": object_id,
            "name": name,
            "owner": [owner],
            "owner_department": [ROOT_DEPARTMENT],
            "record_type": "default__c",
            "life_status": "normal",
            "lock_status": "0",
            "is_deleted": False,
            "created_by": [self.admin],
            "create_time": created,
            "last_modified_by": [owner],
            "last_modified_time": max(created, modified),
            "object_describe_api_name": api_name,
        }

    def customer(self, data: CustomerData) -> Iterator[tuple[str, Record]]:
        """Every record of one customer, with the object it belongs to."""
        owner = self.tenant.people.for_owner_index(data.company.owner_index).employee_id
        yield "AccountObj", self.account(data.company, owner)
        for order in data.orders:
            yield "SalesOrderObj", self.order(order, data.company, owner)
        for invoice in data.invoices:
            yield PLAN, self.plan(invoice, data.company, owner)
        for payment in data.payments:
            yield "PaymentObj", self.payment(payment, data.company, owner)
            yield "OrderPaymentObj", self.payment_detail(payment, data.company, owner)

    def account(self, company: Company, owner: str) -> Record:
        """A customer as `AccountObj`."""
        as_of = self.tenant.as_of
        created = self.stamp(as_of - timedelta(days=HISTORY_DAYS + _hash(company.index, "c") % 365), "a", company.index)
        modified = self.stamp(as_of - timedelta(days=_hash(company.index, "m") % 400), "am", company.index)
        record = self.base("AccountObj", self.id("AccountObj", company.index), company.name, owner, created, modified)
        fields = self.account_fields
        record.update(
            {
                "account_no": f"KH{company.index + 1:06d}",
                "industry_level1": self.industry_codes[company.industry],
                "country": self.country_codes[company.country],
                "mc_currency": company.currency,
                fields["annual_revenue"]: money_text(company.annual_revenue, 2),
                fields["employees"]: str(company.employees),
                fields["established_on"]: date_ms(date(company.year_started, 1, 1)),
            }
        )
        if company.parent_index is not None:
            record["parent_account_id"] = self.id("AccountObj", company.parent_index)
        for key, value in (company.financials or {}).items():
            record[fields[f"financials.{key}"]] = money_text(value, 2)
        return record

    def order(self, order: GenOrder, company: Company, owner: str) -> Record:
        """An order as `SalesOrderObj`."""
        created = self.stamp(order.ordered_on, "o", order.index)
        modified = self.stamp(order.ordered_on + timedelta(days=_hash(order.index, "om") % 4), "om", order.index)
        record = self.base(
            "SalesOrderObj", self.id("SalesOrderObj", order.index), order.number, owner, created, modified
        )
        record.update(
            {
                "account_id": self.id("AccountObj", company.index),
                "order_amount": money_text(order.amount, 2),
                "order_time": date_ms(order.ordered_on),
                "mc_currency": company.currency,
                self.order_fields["uninvoiced_amount"]: money_text(order.uninvoiced_amount, 2),
            }
        )
        if order.status == "cancelled":
            record["life_status"] = "invalid"
        return record

    def plan(self, invoice: GenInvoice, company: Company, owner: str) -> Record:
        """An invoice as 回款计划 `PaymentPlanObj`."""
        created = self.stamp(invoice.issued_on, "p", invoice.index)
        record = self.base(PLAN, self.id(PLAN, invoice.index), invoice.number, owner, created, created)
        received = invoice.amount - invoice.balance if invoice.status in ("open", "paid") else invoice.amount * 0
        record.update(
            {
                "account_id": self.id("AccountObj", company.index),
                "plan_payment_amount": money_text(invoice.amount, 2),
                "plan_payment_time": date_ms(invoice.due_on),
                "plan_payment_method": "3",
                "actual_payment_amount": money_text(received, 2),
                "mc_currency": company.currency,
            }
        )
        if invoice.status == "credit_note":
            record["record_type"] = self.tenant.credit_note_type
        if invoice.status == "void":
            record["life_status"] = "invalid"
        record["plan_payment_status"] = plan_status(record, self.tenant.as_of)
        record["last_modified_time"] = max(created, self._plan_event(invoice, record["plan_payment_status"]))
        return record

    def _plan_event(self, invoice: GenInvoice, status: str) -> int:
        # The last thing that happened to a plan: paid, fell overdue (the nightly job), or partly paid.
        if invoice.paid_on is not None:
            return self.stamp(invoice.paid_on, "pp", invoice.index)
        if status == "overdue":
            return self.stamp(invoice.due_on + timedelta(days=1), "po", invoice.index)
        return 0

    def payment(self, payment: GenPayment, company: Company, owner: str) -> Record:
        """A receipt as 回款 `PaymentObj`."""
        created = self.stamp(payment.received_on, "pay", payment.index)
        record = self.base(
            "PaymentObj", self.id("PaymentObj", payment.index), f"HK{payment.index + 1:08d}", owner, created, created
        )
        record.update(
            {
                "account_id": self.id("AccountObj", company.index),
                "payment_amount": money_text(payment.amount, 2),
                "payment_time": date_ms(payment.received_on),
                "payment_term": PAYMENT_METHODS[_hash(payment.index, "term") % len(PAYMENT_METHODS)],
                "mc_currency": company.currency,
            }
        )
        return record

    def payment_detail(self, payment: GenPayment, company: Company, owner: str) -> Record:
        """The 回款明细 `OrderPaymentObj` tying a receipt to its plan."""
        created = self.stamp(payment.received_on, "pay", payment.index)
        record = self.base(
            "OrderPaymentObj",
            self.id("OrderPaymentObj", payment.index),
            f"HKMX{payment.index + 1:08d}",
            owner,
            created,
            created,
        )
        record.update(
            {
                "payment_id": self.id("PaymentObj", payment.index),
                "account_id": self.id("AccountObj", company.index),
                "payment_plan_id": self.id(PLAN, payment.invoice_index),
                "payment_amount": money_text(payment.amount, 2),
                "payment_time": date_ms(payment.received_on),
                "mc_currency": company.currency,
            }
        )
        return record

    def personnel(self) -> Iterator[Record]:
        """One 人员 record per employee; its `_id` is the CRM employee id."""
        created = self.stamp(self.tenant.as_of - timedelta(days=3 * 365), "staff")
        for employee in self.tenant.people.employees:
            record = self.base("PersonnelObj", employee.employee_id, employee.name, self.admin, created, created)
            record.update(
                full_name=employee.name,
                user_id=employee.employee_id,
                employee_number=employee.employee_id,
                phone=employee.mobile,
                status="0",
                main_department=[ROOT_DEPARTMENT],
            )
            yield record


def render(tenant: Tenant, portfolio: Portfolio, now_ms: int) -> None:
    """Load every record of the portfolio (and the staff) into the tenant's store."""
    renderer = Renderer(tenant, now_ms)
    with tenant.store.lock:
        for record in renderer.personnel():
            tenant.store.load("PersonnelObj", record)
        for data in portfolio:
            for api_name, record in renderer.customer(data):
                tenant.store.load(api_name, record)
