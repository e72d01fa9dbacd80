"""The one boundary that turns raw mapped values into canonical records (DESIGN §2), validating them.

`values` is keyed by canonical names; an account's nested fields come dotted (`financials.ebit`) or as a
nested dict (`{"financials": {"ebit": ...}}`). Values may be str, int, Decimal, date, datetime, ISO strings,
bool or None; money is never a float. Every refusal is a `RecordError` naming record, field and value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

from credit_core import values as v
from credit_core.accounts import ACCOUNT_KEYS, build_account
from credit_core.checks import ZERO, check_identity, check_keys, no_negative, parse, require
from credit_core.currencies import ISO_4217
from credit_core.errors import RecordError
from credit_core.models import INVOICE_STATUSES, ORDER_STATUSES, Invoice, Order, Payment

__all__ = ["ACCOUNT_KEYS", "INVOICE_KEYS", "ORDER_KEYS", "PAYMENT_KEYS", "build_account", "build_invoice"]
__all__ += ["build_order", "build_payment"]

INVOICE_KEYS = frozenset(
    {"account_crm_id", "number", "issued_on", "due_on", "amount", "balance", "paid_on", "currency", "status"}
)
ORDER_KEYS = frozenset({"account_crm_id", "amount", "uninvoiced_amount", "currency", "status"})
PAYMENT_KEYS = frozenset({"account_crm_id", "invoice_crm_id", "amount", "currency", "received_on"})


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    setter: Callable[[Any, Any], None] = cls.__dict__[name].__set__
    return setter


def _fast_invoice_constructor() -> Callable[..., Invoice]:
    """Invoice(...) at half the cost: a frozen dataclass's __init__ pays object.__setattr__ per field.

    Sync builds a million invoices per full run; writing the slots directly is what keeps that near
    a second. Only `build_invoice` uses it, after validating every value.
    """
    names: tuple[str, ...] = ("source", "crm_id", "account_crm_id", "amount", "currency", "issued_on")
    names += ("due_on", "number", "balance", "paid_on", "status")
    assert set(names) == {f.name for f in fields(Invoice)}
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10 = (_slot_setter(Invoice, name) for name in names)
    new = object.__new__

    def construct(*args: Any) -> Invoice:
        inv: Invoice = new(Invoice)
        s0(inv, args[0]), s1(inv, args[1]), s2(inv, args[2]), s3(inv, args[3]), s4(inv, args[4])
        s5(inv, args[5]), s6(inv, args[6]), s7(inv, args[7]), s8(inv, args[8]), s9(inv, args[9])
        s10(inv, args[10])
        return inv

    return construct


_new_invoice = _fast_invoice_constructor()
_INVOICE_STATUS_SET = frozenset(INVOICE_STATUSES)


def _parse_invoice_fast(values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The common shapes only (text, numeric strings or Decimals, ISO dates); None sends the rest the long way.

    A full sync maps a million invoices, nearly all in these shapes; anything unusual or wrong is parsed
    again by `_parse_invoice`, which names the field and the reason.
    """
    get = values.get
    account_crm_id, currency, status, number = get("account_crm_id"), get("currency"), get("status"), get("number")
    if type(account_crm_id) is not str or not account_crm_id or type(currency) is not str or currency not in ISO_4217:
        return None
    if len(account_crm_id) > v.MAX_ID_CHARS or not account_crm_id.isprintable():
        return None
    if status is not None and (type(status) is not str or status not in _INVOICE_STATUS_SET):
        return None
    if number is not None and type(number) is not str:
        return None
    amount, balance = get("amount"), get("balance")
    issued_on, due_on, paid_on = get("issued_on"), get("due_on"), get("paid_on")
    try:
        amount = Decimal(amount) if type(amount) is str else amount
        balance = Decimal(balance) if type(balance) is str else balance
        issued_on = date.fromisoformat(issued_on) if type(issued_on) is str else issued_on
        due_on = date.fromisoformat(due_on) if type(due_on) is str else due_on
        paid_on = date.fromisoformat(paid_on) if type(paid_on) is str else paid_on
    except (ArithmeticError, ValueError):
        return None
    if type(amount) is not Decimal or not amount.is_finite() or type(issued_on) is not date or type(due_on) is not date:
        return None
    if (balance is not None and (type(balance) is not Decimal or not balance.is_finite())) or (
        paid_on is not None and type(paid_on) is not date
    ):
        return None
    if not -v.MAX_MONEY < amount < v.MAX_MONEY or (balance is not None and not -v.MAX_MONEY < balance < v.MAX_MONEY):
        return None  # the long way names the field
    return account_crm_id, amount, balance, currency, issued_on, due_on, paid_on, status, number or None


def _parse_invoice(source: str, crm_id: str, values: Mapping[str, Any]) -> tuple[Any, ...]:
    get = values.get
    field = "account_crm_id"
    try:
        account_crm_id = v.crm_id(get(field))
        field = "amount"
        amount = v.money(get(field))
        field = "balance"
        balance = v.money(get(field))
        field = "currency"
        currency = get(field)
        if type(currency) is not str or currency not in ISO_4217:
            currency = v.currency(currency)
        field = "issued_on"
        issued_on = v.day(get(field))
        field = "due_on"
        due_on = v.day(get(field))
        field = "paid_on"
        paid_on = v.day(get(field))
        field = "status"
        status = get(field)
        if type(status) is not str or status not in _INVOICE_STATUS_SET:
            status = v.choice(status, INVOICE_STATUSES)
        field = "number"
        number = v.text(get(field))
    except v.BadValue as bad:
        raise RecordError("invoice", source, crm_id, field, get(field), bad.reason) from None
    if account_crm_id is None or amount is None or currency is None or issued_on is None or due_on is None:
        for name, value in (
            ("account_crm_id", account_crm_id),
            ("amount", amount),
            ("currency", currency),
            ("issued_on", issued_on),
            ("due_on", due_on),
        ):
            if value is None:
                raise RecordError("invoice", source, crm_id, name, get(name), "required value is missing")
    return account_crm_id, amount, balance, currency, issued_on, due_on, paid_on, status, number


def build_invoice(source: str, crm_id: str, values: Mapping[str, Any]) -> Invoice:
    """An Invoice from raw values; defaults the status and balance, refuses inconsistent amounts."""
    if type(source) is not str or type(crm_id) is not str or not source or not crm_id or "crm_id" in values:
        check_identity("invoice", source, crm_id, values)
    if not values.keys() <= INVOICE_KEYS:
        check_keys("invoice", source, crm_id, values, INVOICE_KEYS)
    parsed = _parse_invoice_fast(values) or _parse_invoice(source, crm_id, values)
    account_crm_id, amount, balance, currency, issued_on, due_on, paid_on, status, number = parsed
    if status is None:
        # Unmapped status: a recorded payment date or a zero balance means paid.
        status = "paid" if paid_on is not None or (balance == ZERO and amount > ZERO) else "open"
    if status == "credit_note":
        amount, balance = _credit_note_amounts(source, crm_id, values, amount, balance)
    elif amount < ZERO:
        reason = "negative amount (only a credit note may be negative)"
        raise RecordError("invoice", source, crm_id, "amount", values.get("amount"), reason)
    elif balance is None:
        balance = amount if status == "open" else ZERO
    elif balance > amount:
        raise RecordError("invoice", source, crm_id, "balance", values.get("balance"), "balance above amount")
    elif balance < ZERO:
        raise RecordError("invoice", source, crm_id, "balance", values.get("balance"), "negative balance")
    if due_on < issued_on:
        reason = f"due before issue ({issued_on.isoformat()})"
        raise RecordError("invoice", source, crm_id, "due_on", values.get("due_on"), reason)
    return _new_invoice(
        source, crm_id, account_crm_id, amount, currency, issued_on, due_on, number, balance, paid_on, status
    )


def _credit_note_amounts(
    source: str, crm_id: str, values: Mapping[str, Any], amount: Decimal, balance: Decimal | None
) -> tuple[Decimal, Decimal]:
    # Some CRMs store a credit note's amount as a positive figure; canonically it is negative.
    if amount > ZERO:
        amount = -amount
    if balance is None:
        balance = amount
    elif balance > ZERO:
        balance = -balance
    if balance < amount:
        raise RecordError("invoice", source, crm_id, "balance", values.get("balance"), "balance above amount")
    return amount, balance


def build_order(source: str, crm_id: str, values: Mapping[str, Any]) -> Order:
    """An Order from raw values; the uninvoiced part defaults to the amount while the order is open."""
    check_identity("order", source, crm_id, values)
    check_keys("order", source, crm_id, values, ORDER_KEYS)
    required = parse(
        "order", source, crm_id, values, {"account_crm_id": v.crm_id, "amount": v.money, "currency": v.currency}
    )
    require("order", source, crm_id, required, values)
    try:
        status = v.choice(values.get("status"), ORDER_STATUSES) or "open"
    except v.BadValue as bad:
        raise RecordError("order", source, crm_id, "status", values.get("status"), bad.reason) from None
    amount = required["amount"]
    uninvoiced = parse("order", source, crm_id, values, {"uninvoiced_amount": v.money})["uninvoiced_amount"]
    no_negative("order", source, crm_id, "amount", amount, values.get("amount"))
    no_negative("order", source, crm_id, "uninvoiced_amount", uninvoiced, values.get("uninvoiced_amount"))
    if uninvoiced is None:
        uninvoiced = amount if status == "open" else ZERO
    elif uninvoiced > amount:
        raw = values.get("uninvoiced_amount")
        raise RecordError("order", source, crm_id, "uninvoiced_amount", raw, "uninvoiced part above amount")
    return Order(source=source, crm_id=crm_id, uninvoiced_amount=uninvoiced, status=status, **required)  # type: ignore[arg-type]


def build_payment(source: str, crm_id: str, values: Mapping[str, Any]) -> Payment:
    """A Payment (a receipt recorded apart from its invoice) from raw values."""
    check_identity("payment", source, crm_id, values)
    check_keys("payment", source, crm_id, values, PAYMENT_KEYS)
    required = parse(
        "payment",
        source,
        crm_id,
        values,
        {"account_crm_id": v.crm_id, "amount": v.money, "currency": v.currency, "received_on": v.day},
    )
    require("payment", source, crm_id, required, values)
    no_negative("payment", source, crm_id, "amount", required["amount"], values.get("amount"))
    invoice_crm_id = parse("payment", source, crm_id, values, {"invoice_crm_id": v.crm_id})["invoice_crm_id"]
    return Payment(source=source, crm_id=crm_id, invoice_crm_id=invoice_crm_id, **required)
