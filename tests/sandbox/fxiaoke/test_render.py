"""The shared portfolio as Fxiaoke records: plans ↔ invoices, payments ↔ receipts, orders ↔ orders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.fxiaoke import FxiaokeSandbox, ManualClock
from sandbox.fxiaoke.store import record_id
from sandbox.fxiaoke.values import date_ms
from sandbox.portfolio import Portfolio

AS_OF = date(2026, 11, 28)


Make = Callable[..., FxiaokeSandbox]


@pytest.fixture
def make(tmp_path: Path) -> Make:
    """Rendered tenants (not serving) as of AS_OF, with the clock ten days before it."""

    def build(seed: int = 7, accounts: int = 25) -> FxiaokeSandbox:
        clock = ManualClock(1_795_000_000.0)
        return FxiaokeSandbox(accounts=accounts, seed=seed, as_of=AS_OF, clock=clock, tls_dir=tmp_path / str(seed))

    return build


def test_the_same_seed_renders_the_same_tenant(make: Make) -> None:
    one, two, other = make(), make(), make(seed=8)
    for api_name in ("AccountObj", "SalesOrderObj", "PaymentPlanObj", "PaymentObj", "OrderPaymentObj"):
        assert one.records(api_name) == two.records(api_name)
    assert one.custom_field_names() == two.custom_field_names()
    assert one.records("AccountObj") != other.records("AccountObj")
    assert one.app_secret == two.app_secret != other.app_secret


def test_every_invoice_is_a_payment_plan_with_its_due_date_amount_and_receipts(make: Make) -> None:
    fx = make()
    plans = {r["_id"]: r for r in fx.records("PaymentPlanObj")}
    invoices = [inv for data in Portfolio(25, 7, AS_OF) for inv in data.invoices]
    assert len(plans) == len(invoices)
    for inv in invoices:
        plan = plans[record_id(7, "PaymentPlanObj", str(inv.index))]
        assert plan["name"] == inv.number
        assert Decimal(plan["plan_payment_amount"]) == inv.amount
        assert plan["plan_payment_time"] == date_ms(inv.due_on)
        assert plan["account_id"] == record_id(7, "AccountObj", str(inv.company_index))
        received = Decimal(plan["actual_payment_amount"])
        if inv.status in ("open", "paid"):
            assert received == inv.amount - inv.balance
        assert (plan["life_status"] == "invalid") == (inv.status == "void")
        assert (plan["record_type"] == fx.credit_note_record_type) == (inv.status == "credit_note")
        if inv.status == "paid":
            assert plan["plan_payment_status"] == "completed"
        elif inv.status == "open" and inv.amount > 0:
            assert plan["plan_payment_status"] == ("overdue" if inv.due_on < AS_OF else "incomplete")


def test_every_receipt_is_a_payment_and_a_detail_linked_to_its_plan(make: Make) -> None:
    fx = make()
    payments = {r["_id"]: r for r in fx.records("PaymentObj")}
    details = {r["payment_id"]: r for r in fx.records("OrderPaymentObj")}
    receipts = [p for data in Portfolio(25, 7, AS_OF) for p in data.payments]
    assert len(payments) == len(details) == len(receipts)
    for receipt in receipts:
        payment = payments[record_id(7, "PaymentObj", str(receipt.index))]
        detail = details[payment["_id"]]
        assert Decimal(payment["payment_amount"]) == receipt.amount == Decimal(detail["payment_amount"])
        assert payment["payment_time"] == date_ms(receipt.received_on)
        assert detail["payment_plan_id"] == record_id(7, "PaymentPlanObj", str(receipt.invoice_index))


def test_every_order_is_a_sales_order_and_a_cancelled_one_is_invalid(make: Make) -> None:
    fx = make()
    uninvoiced = fx.custom_field_names()["SalesOrderObj"]["uninvoiced_amount"]
    orders = {r["_id"]: r for r in fx.records("SalesOrderObj")}
    generated = [o for data in Portfolio(25, 7, AS_OF) for o in data.orders]
    assert len(orders) == len(generated)
    for order in generated:
        record = orders[record_id(7, "SalesOrderObj", str(order.index))]
        assert record["name"] == order.number and Decimal(record["order_amount"]) == order.amount
        assert Decimal(record[uninvoiced]) == order.uninvoiced_amount
        assert (record["life_status"] == "invalid") == (order.status == "cancelled")


def test_accounts_carry_the_company_facts_in_preset_and_custom_fields(make: Make) -> None:
    fx = make()
    custom = fx.custom_field_names()["AccountObj"]
    industries = {o.value: o.label for o in fx.tenant.schema.objects["AccountObj"].fields["industry_level1"].options}
    for data in Portfolio(25, 7, AS_OF):
        company = data.company
        account = fx.get_record("AccountObj", record_id(7, "AccountObj", str(company.index)))
        assert account is not None
        assert account["name"] == company.name and industries[account["industry_level1"]] == company.industry
        assert Decimal(account[custom["annual_revenue"]]) == company.annual_revenue
        assert account[custom["established_on"]] == date_ms(date(company.year_started, 1, 1))
        parent = record_id(7, "AccountObj", str(company.parent_index)) if company.parent_index is not None else None
        assert account.get("parent_account_id") == parent
        assert (custom["financials.ebit"] in account) == (company.financials is not None)


def test_timestamps_follow_events_and_never_pass_the_clock(make: Make) -> None:
    fx = make(accounts=60)
    now_ms = int(fx.clock() * 1000)
    for api_name in ("AccountObj", "SalesOrderObj", "PaymentPlanObj", "PaymentObj", "OrderPaymentObj"):
        for record in fx.records(api_name):
            assert record["create_time"] <= record["last_modified_time"] < now_ms
