"""`evaluate`: a whole portfolio in one call, with group exposure summed over each parent hierarchy.

Two passes: first every account's own exposure (in the base currency) so group totals are known, then
each account's decision. Bad input raises, or with `rejected=[]` is collected as (record, error) pairs
and the rest is still evaluated: nothing is dropped silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from credit_core.behaviour import Behaviour
from credit_core.engine import converter, decide, instant, measure
from credit_core.errors import CreditCoreError, MissingRateError, RecordError
from credit_core.fx import Converter, parse_rates
from credit_core.models import Account, Decision, Invoice, Order, Payment
from credit_core.policy import Policy

Key = tuple[str, str]
Rejected = list[tuple[Any, CreditCoreError]]
R = TypeVar("R", Invoice, Order, Payment)


def _reject(rejected: Rejected | None, record: Any, error: CreditCoreError) -> None:
    if rejected is None:
        raise error
    rejected.append((record, error))


def _index_accounts(accounts: Iterable[Account], rejected: Rejected | None) -> dict[Key, Account]:
    index: dict[Key, Account] = {}
    for account in accounts:
        key = (account.source, account.crm_id)
        if key in index:
            duplicate = RecordError("account", *key, "crm_id", account.crm_id, "duplicate account")
            _reject(rejected, account, duplicate)
            continue
        index[key] = account
    return index


def _group_by_account(
    records: Iterable[R], kind: str, accounts: dict[Key, Account], rejected: Rejected | None
) -> dict[Key, list[R]]:
    grouped: dict[Key, list[R]] = defaultdict(list)
    for record in records:
        grouped[(record.source, record.account_crm_id)].append(record)
    for key in [key for key in grouped if key not in accounts]:
        for record in grouped.pop(key):
            reason = "no such account in this evaluation"
            _reject(rejected, record, RecordError(kind, record.source, record.crm_id, "account_crm_id", key[1], reason))
    return grouped


def group_roots(accounts: Mapping[Key, Account]) -> dict[Key, Key]:
    """Each account's group: the top of its parent chain (an absent parent still groups its children)."""
    roots: dict[Key, Key] = {}
    for key in accounts:
        chain = [key]
        seen = {key}
        current = key
        while True:
            parent_id = accounts[current].parent_crm_id if current in accounts else None
            if parent_id is None:
                break
            parent = (current[0], parent_id)
            if parent in roots:
                current = roots[parent]
                break
            if parent in seen:  # a cycle in the CRM's hierarchy: stop where it closes
                break
            chain.append(parent)
            seen.add(parent)
            current = parent
            if parent not in accounts:
                break
        for member in chain:
            roots[member] = current
    return {key: roots[key] for key in accounts}


def _drop_unconvertible(records: list[R], fx: Converter, rejected: Rejected | None) -> list[R]:
    kept: list[R] = []
    for record in records:
        try:
            fx.factor(record.currency)
        except MissingRateError as error:
            _reject(rejected, record, error)
            continue
        kept.append(record)
    return kept


def _reject_records_of(key: Key, groups: tuple[dict[Key, list[Any]], ...], why: str, rejected: Rejected | None) -> None:
    for group, kind in zip(groups, ("invoice", "order", "payment"), strict=True):
        for record in group.get(key, []):
            reason = f"its account was rejected ({why})"
            _reject(rejected, record, RecordError(kind, record.source, record.crm_id, "account_crm_id", key[1], reason))


def evaluate(
    accounts: Iterable[Account],
    invoices: Iterable[Invoice],
    orders: Iterable[Order],
    policy: Policy,
    as_of: date | datetime,
    previous: Mapping[Key, Decision] | None = None,
    fx_rates: Mapping[str, object] | None = None,
    payments: Iterable[Payment] = (),
    *,
    rejected: Rejected | None = None,
) -> dict[Key, Decision]:
    """Decisions for every account keyed by (source, crm_id); `rejected=[]` collects bad records instead of raising."""
    moment = instant(as_of)
    rates = parse_rates(fx_rates)
    by_key = _index_accounts(accounts, rejected)
    invoices_of = _group_by_account(invoices, "invoice", by_key, rejected)
    orders_of = _group_by_account(orders, "order", by_key, rejected)
    payments_of = _group_by_account(payments, "payment", by_key, rejected)
    measured: dict[Key, tuple[Converter, Behaviour, Decimal]] = {}
    converters: dict[str | None, Converter] = {}  # one per account currency: they cache their factors
    for key, account in by_key.items():
        try:
            fx = converters.get(account.currency) or converters.setdefault(
                account.currency, converter(account, policy, rates)
            )
        except MissingRateError as error:
            _reject(rejected, account, error)
            _reject_records_of(key, (invoices_of, orders_of, payments_of), str(error), rejected)
            continue
        mine = (invoices_of.get(key, []), orders_of.get(key, []), payments_of.get(key, []))
        try:
            measured[key] = (fx, *measure(account, mine[0], mine[1], mine[2], policy, moment[0], fx))
        except MissingRateError:
            if rejected is None:
                raise
            invoices_ok = _drop_unconvertible(mine[0], fx, rejected)
            orders_ok = _drop_unconvertible(mine[1], fx, rejected)
            payments_ok = _drop_unconvertible(mine[2], fx, rejected)
            measured[key] = (fx, *measure(account, invoices_ok, orders_ok, payments_ok, policy, moment[0], fx))
    group_totals: dict[Key, Decimal] = defaultdict(Decimal)
    roots = group_roots({key: by_key[key] for key in measured})
    for key, (fx, _, exposure) in measured.items():
        group_totals[roots[key]] += fx.target_to_base(exposure)
    earlier = previous or {}
    return {
        key: decide(by_key[key], behaviour, exposure, group_totals[roots[key]], policy, moment, fx, earlier.get(key))
        for key, (fx, behaviour, exposure) in measured.items()
    }
