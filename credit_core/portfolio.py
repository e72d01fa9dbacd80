"""`evaluate`: a whole portfolio in one call, with group exposure summed over each parent hierarchy.

Two passes: first every account's own exposure (in the base currency) so group totals are known, then
each account's decision. Bad input raises, or with `rejected=[]` is collected as (record, error) pairs
and the rest is still evaluated: nothing is dropped silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
Measured = tuple[Converter, Behaviour, Decimal]
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
    # Keyed by text, source by source, while walking the records: no tuple per invoice of the portfolio.
    by_source: dict[str, dict[str, list[R]]] = {}
    for record in records:
        by_id = by_source.get(record.source)
        if by_id is None:
            by_id = by_source[record.source] = {}
        found = by_id.get(record.account_crm_id)
        if found is None:
            by_id[record.account_crm_id] = [record]
        else:
            found.append(record)
    grouped: dict[Key, list[R]] = {}
    for source, by_id in by_source.items():
        for crm_id, mine in by_id.items():
            if (source, crm_id) in accounts:
                grouped[(source, crm_id)] = mine
                continue
            for record in mine:
                reason = "no such account in this evaluation"
                _reject(rejected, record, RecordError(kind, source, record.crm_id, "account_crm_id", crm_id, reason))
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


@dataclass(frozen=True, slots=True)
class Batch:
    """One evaluation run's inputs, grouped by account."""

    policy: Policy
    moment: tuple[date, datetime]
    rates: dict[str, Decimal]
    accounts: dict[Key, Account]
    invoices_of: dict[Key, list[Invoice]]
    orders_of: dict[Key, list[Order]]
    payments_of: dict[Key, list[Payment]]
    previous: Mapping[Key, Decision]


def _measure_all(batch: Batch, keys: Iterable[Key], rejected: Rejected | None) -> dict[Key, Measured]:
    measured: dict[Key, Measured] = {}
    converters: dict[str | None, Converter] = {}  # one per account currency: they cache their factors
    policy, day = batch.policy, batch.moment[0]
    records = (batch.invoices_of, batch.orders_of, batch.payments_of)
    for key in keys:
        account = batch.accounts[key]
        try:
            fx = converters.get(account.currency) or converters.setdefault(
                account.currency, converter(account, policy, batch.rates)
            )
        except MissingRateError as error:
            _reject(rejected, account, error)
            _reject_records_of(key, records, str(error), rejected)
            continue
        invoices = batch.invoices_of.get(key, [])
        orders = batch.orders_of.get(key, [])
        payments = batch.payments_of.get(key, [])
        try:
            measured[key] = (fx, *measure(account, invoices, orders, payments, policy, day, fx))
        except MissingRateError:
            if rejected is None:
                raise
            invoices = _drop_unconvertible(invoices, fx, rejected)
            orders = _drop_unconvertible(orders, fx, rejected)
            payments = _drop_unconvertible(payments, fx, rejected)
            measured[key] = (fx, *measure(account, invoices, orders, payments, policy, day, fx))
    return measured


def decide_keys(batch: Batch, keys: Iterable[Key], rejected: Rejected | None) -> dict[Key, Decision]:
    """Decisions for `keys`, which must hold whole groups (a group's exposure is summed here)."""
    measured = _measure_all(batch, keys, rejected)
    roots = group_roots({key: batch.accounts[key] for key in measured})
    group_totals: dict[Key, Decimal] = defaultdict(Decimal)
    for key, (fx, _, exposure) in measured.items():
        group_totals[roots[key]] += fx.target_to_base(exposure)
    policy, moment, earlier = batch.policy, batch.moment, batch.previous
    return {
        key: decide(batch.accounts[key], b, exposure, group_totals[roots[key]], policy, moment, fx, earlier.get(key))
        for key, (fx, b, exposure) in measured.items()
    }


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
    """Decisions for every account keyed by (source, crm_id).

    `rejected=[]` collects bad records as (record, error) instead of raising, and evaluates the rest.
    """
    by_key = _index_accounts(accounts, rejected)
    batch = Batch(
        policy=policy,
        moment=instant(as_of),
        rates=parse_rates(fx_rates),
        accounts=by_key,
        invoices_of=_group_by_account(invoices, "invoice", by_key, rejected),
        orders_of=_group_by_account(orders, "order", by_key, rejected),
        payments_of=_group_by_account(payments, "payment", by_key, rejected),
        previous=previous or {},
    )
    return decide_keys(batch, by_key, rejected)
