"""The record boundary: raw mapped values in, canonical records out, one-line errors for bad input."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from credit_core.errors import RecordError
from credit_core.models import Invoice
from credit_core.records import build_account, build_invoice, build_order, build_payment


def invoice_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "account_crm_id": "001A",
        "number": "INV-1",
        "issued_on": "2026-01-05",
        "due_on": "2026-02-04",
        "amount": "1200.50",
        "currency": "USD",
        "status": "open",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def refusal(build: Any, values: dict[str, Any], kind: str = "invoice") -> RecordError:
    with pytest.raises(RecordError) as caught:
        build("sf", "a01", values)
    assert caught.value.kind == kind
    assert "\n" not in str(caught.value)
    return caught.value


def test_an_invoice_is_built_from_strings_with_decimal_money_and_dates() -> None:
    invoice = build_invoice("sf", "a01", invoice_values())
    assert invoice == Invoice(
        source="sf",
        crm_id="a01",
        account_crm_id="001A",
        number="INV-1",
        issued_on=date(2026, 1, 5),
        due_on=date(2026, 2, 4),
        amount=Decimal("1200.50"),
        balance=Decimal("1200.50"),
        currency="USD",
        status="open",
    )


def test_typed_values_and_datetimes_are_accepted() -> None:
    invoice = build_invoice(
        "sf",
        "a01",
        invoice_values(
            amount=Decimal("10"),
            issued_on=datetime(2026, 1, 5, 23, 30, tzinfo=UTC),
            due_on=date(2026, 2, 4),
            paid_on="2026-02-01T00:00:00+08:00",
            status="paid",
            currency="eur",
        ),
    )
    assert invoice.issued_on == date(2026, 1, 5)
    assert invoice.paid_on == date(2026, 2, 1)  # the CRM's own calendar day, not shifted to UTC
    assert invoice.currency == "EUR"
    assert invoice.amount == Decimal(10) and isinstance(invoice.amount, Decimal)


@pytest.mark.parametrize(
    ("status", "balance", "expected"),
    [("open", None, "1200.50"), ("paid", None, "0"), ("void", None, "0"), ("open", "200", "200")],
)
def test_an_unmapped_balance_defaults_by_status(status: str, balance: str | None, expected: str) -> None:
    invoice = build_invoice("sf", "a01", invoice_values(status=status, balance=balance))
    assert invoice.balance == Decimal(expected)


def test_an_unmapped_status_is_paid_when_a_payment_date_or_zero_balance_says_so() -> None:
    assert build_invoice("sf", "a", invoice_values(status=None, paid_on="2026-02-01")).status == "paid"
    assert build_invoice("sf", "a", invoice_values(status=None, balance="0")).status == "paid"
    assert build_invoice("sf", "a", invoice_values(status=None)).status == "open"


def test_a_credit_note_is_negative_even_when_the_crm_stores_it_positive() -> None:
    note = build_invoice("sf", "cn1", invoice_values(status="credit_note", amount="300"))
    assert (note.amount, note.balance) == (Decimal(-300), Decimal(-300))
    partly_used = build_invoice("sf", "cn2", invoice_values(status="credit_note", amount="-300", balance="-100"))
    assert partly_used.balance == Decimal(-100)


def test_a_negative_invoice_is_refused_with_a_one_line_error_naming_record_field_and_value() -> None:
    error = refusal(build_invoice, invoice_values(amount="-5.00"))
    assert str(error) == "invoice sf/a01: amount='-5.00': negative amount (only a credit note may be negative)"
    assert (error.source, error.crm_id, error.field, error.value) == ("sf", "a01", "amount", "-5.00")


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"due_on": "2026-01-01"}, "due_on", "due before issue"),
        ({"balance": "1300"}, "balance", "balance above amount"),
        ({"balance": "-1"}, "balance", "negative balance"),
        ({"status": "credit_note", "amount": "-10", "balance": "-11"}, "balance", "balance above amount"),
        ({"currency": "XYZ"}, "currency", "unknown ISO 4217 currency"),
        ({"status": "overdue"}, "status", "unknown status"),
        ({"amount": 12.5}, "amount", "float money is refused"),
        ({"amount": True}, "amount", "yes/no"),
        ({"amount": "12,50"}, "amount", "not a number"),
        ({"amount": "NaN"}, "amount", "not a finite amount"),
        ({"issued_on": "05/01/2026"}, "issued_on", "not an ISO 8601 date"),
        ({"amount": None}, "amount", "required value is missing"),
        ({"account_crm_id": ""}, "account_crm_id", "required value is missing"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"amount": "1E+30"}, "amount", "too large"),
        ({"amount": Decimal("-1E+15"), "status": "credit_note"}, "amount", "too large"),
        ({"amount": 10**15}, "amount", "too large"),
        ({"balance": "1E+999999"}, "balance", "too large"),
        ({"account_crm_id": "a" * 129}, "account_crm_id", "longer than 128"),
        ({"account_crm_id": "001\x00"}, "account_crm_id", "control"),
        ({"account_crm_id": "001\u200b"}, "account_crm_id", "invisible"),
    ],
)
def test_bad_invoices_are_refused(changes: dict[str, Any], field: str, reason: str) -> None:
    values = invoice_values()
    values.update(changes)
    values = {k: v for k, v in values.items() if v is not None}
    error = refusal(build_invoice, values)
    assert error.field == field
    assert reason in error.reason
    assert str(error).startswith(f"invoice sf/a01: {field}=")


def test_record_errors_survive_pickling_for_worker_processes() -> None:
    error = refusal(build_invoice, invoice_values(amount="-1"))
    assert str(pickle.loads(pickle.dumps(error))) == str(error)  # noqa: S301 (our own bytes)


def test_an_open_order_counts_its_whole_amount_when_the_uninvoiced_part_is_unmapped() -> None:
    values = {"account_crm_id": "001A", "amount": "500", "currency": "USD"}
    assert build_order("sf", "o1", values).uninvoiced_amount == Decimal(500)
    assert build_order("sf", "o2", {**values, "status": "invoiced"}).uninvoiced_amount == Decimal(0)
    assert build_order("sf", "o3", {**values, "uninvoiced_amount": "120"}).uninvoiced_amount == Decimal(120)


def test_bad_orders_are_refused() -> None:
    values = {"account_crm_id": "001A", "amount": "500", "currency": "USD"}
    assert refusal(build_order, {**values, "amount": "-1"}, "order").field == "amount"
    assert refusal(build_order, {**values, "uninvoiced_amount": "501"}, "order").field == "uninvoiced_amount"
    assert refusal(build_order, {**values, "status": "shipped"}, "order").field == "status"


def test_a_payment_needs_its_account_amount_currency_and_date() -> None:
    values = {"account_crm_id": "001A", "amount": "99.90", "currency": "GBP", "received_on": "2026-03-01"}
    payment = build_payment("zoho", "p1", {**values, "invoice_crm_id": "inv9"})
    assert (payment.amount, payment.received_on, payment.invoice_crm_id) == (
        Decimal("99.90"),
        date(2026, 3, 1),
        "inv9",
    )
    assert refusal(build_payment, {**values, "received_on": None}, "payment").field == "received_on"
    assert refusal(build_payment, {**values, "amount": "-3"}, "payment").field == "amount"


def test_an_account_takes_dotted_or_nested_groups() -> None:
    dotted = build_account(
        "sf",
        "001A",
        {"name": "Acme", "financials.ebit": "50000", "qualitative.management": 4, "limit_override.amount": "9000"},
    )
    nested = build_account(
        "sf",
        "001A",
        {
            "name": "Acme",
            "financials": {"ebit": "50000"},
            "qualitative": {"management": 4},
            "limit_override": {"amount": "9000"},
        },
    )
    assert dotted == nested
    assert dotted.financials is not None and dotted.financials.ebit == Decimal(50000)
    assert dotted.limit_override is not None and dotted.limit_override.currency is None
    assert build_account("sf", "001B", {"name": "Bare"}).financials is None


def test_an_account_reads_a_bare_year_as_its_founding_date() -> None:
    assert build_account("sf", "a", {"established_on": "1998"}).established_on == date(1998, 1, 1)
    assert build_account("sf", "a", {"established_on": 2004}).established_on == date(2004, 1, 1)
    assert build_account("sf", "a", {"bureau_score": "72.0"}).bureau_score == 72


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bureau_score": 101}, "bureau_score"),
        ({"bureau_score": "-1"}, "bureau_score"),
        ({"qualitative.management": 6}, "qualitative.management"),
        ({"qualitative": {"industry_outlook": "2.5"}}, "qualitative.industry_outlook"),
        ({"annual_revenue": "-10"}, "annual_revenue"),
        ({"currency": "ABC"}, "currency"),
        ({"limit_override.expires_on": "2026-01-01"}, "limit_override.amount"),
        ({"financials": "lots"}, "financials"),
        ({"financials.goodwill": "1"}, "financials.goodwill"),
        ({"annual_revenue": 1.5e6}, "annual_revenue"),
        ({"annual_revenue": "1E+16"}, "annual_revenue"),
        ({"parent_crm_id": "001\nA"}, "parent_crm_id"),
    ],
)
def test_bad_accounts_are_refused(values: dict[str, Any], field: str) -> None:
    assert refusal(build_account, values, "account").field == field


def test_identity_must_be_given_and_agree() -> None:
    with pytest.raises(RecordError, match="crm_id"):
        build_invoice("sf", "", invoice_values())
    with pytest.raises(RecordError, match="differs"):
        build_invoice("sf", "a01", invoice_values(crm_id="other"))


@pytest.mark.parametrize("field", ["currency", "status", "amount", "issued_on", "number", "account_crm_id"])
def test_values_of_a_strange_type_are_refused_not_crashed_on(field: str) -> None:
    assert refusal(build_invoice, invoice_values(**{field: ["a", "list"]})).field == field


def test_the_fast_and_the_careful_parser_agree_on_unusual_shapes() -> None:
    careful = build_invoice(
        "sf",
        "a01",
        invoice_values(currency=" usd", status="Paid", amount=1200, issued_on="20260105", paid_on="", number=""),
    )
    assert (careful.currency, careful.status, careful.amount, careful.paid_on, careful.number) == (
        "USD",
        "paid",
        Decimal(1200),
        None,
        None,
    )
    assert careful.issued_on == date(2026, 1, 5)
