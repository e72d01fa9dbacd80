"""Imported financial statements and insurance covers merged onto an account, as known on one day.

Precedence (`crm-credit import`, DESIGN §2 `financials`, `insured_limit`):
- **Financial statements.** Of the CRM-mapped statement and the imported ones, only those dated on or
  before the evaluation day count (a backtest must not see next year's accounts). The newest `as_of`
  wins as a whole: figures of different years are never mixed. On the same `as_of` the figures merge,
  the imported ones winning and the CRM's filling gaps. An undated CRM statement is older than any
  dated import, but still used when nothing else is on file.
- **Insurance.** An imported cover in force on the day (`valid_from` ≤ day ≤ `expires_on`, open ends
  allowed) replaces the CRM-mapped `insured_limit`; of several, the latest `valid_from` wins. Without a
  cover in force the CRM value stands. An insurer withdrawing cover is imported as amount 0.
The policy's `insurance_mode` then decides what the insured limit does to the limit (`limits._cap`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from credit_core.fx import CENT, Converter
from credit_core.models import Account, Financials

FIGURES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Financials) if f.name != "as_of")


@dataclass(frozen=True, slots=True, kw_only=True)
class InsuranceCover:
    """A credit insurer's limit on one customer (amount in `currency`; None: the account's currency)."""

    amount: Decimal
    currency: str | None = None
    valid_from: date | None = None
    expires_on: date | None = None
    insurer: str | None = None
    policy_ref: str | None = None

    def in_force(self, day: date) -> bool:
        """True when the cover applies on `day` (both ends inclusive, open ends allowed)."""
        starts_ok = self.valid_from is None or self.valid_from <= day
        return starts_ok and (self.expires_on is None or day <= self.expires_on)


def _known(statement: Financials | None, day: date) -> bool:
    return statement is not None and (statement.as_of is None or statement.as_of <= day)


def _merged(imported: Financials, crm: Financials) -> Financials:
    """Same-date statements: the imported figures win, the CRM's fill the gaps."""
    filled = {name: getattr(crm, name) for name in FIGURES if getattr(imported, name) is None}
    return dataclasses.replace(imported, **{k: v for k, v in filled.items() if v is not None})


def statement_on(crm: Financials | None, imported: Iterable[Financials], day: date) -> Financials | None:
    """The financial statement that counts on `day` (see the module's precedence rules)."""
    dated = [s for s in imported if s.as_of is not None and s.as_of <= day]
    newest = max(dated, key=lambda s: s.as_of or date.min, default=None)
    crm_known = crm if _known(crm, day) else None
    if newest is None:
        return crm_known
    if crm_known is None or crm_known.as_of is None or crm_known.as_of < (newest.as_of or date.min):
        return newest
    if crm_known.as_of == newest.as_of:
        return _merged(newest, crm_known)
    return crm_known


def cover_on(covers: Iterable[InsuranceCover], day: date) -> InsuranceCover | None:
    """The cover in force on `day` with the latest start (the last given wins a tie)."""
    found: InsuranceCover | None = None
    for cover in covers:
        if cover.in_force(day) and (found is None or (cover.valid_from or date.min) >= (found.valid_from or date.min)):
            found = cover
    return found


def with_supplements(
    account: Account,
    statements: Iterable[Financials],
    covers: Iterable[InsuranceCover],
    day: date,
    fx: Converter,
) -> Account:
    """The account with the statement and insured limit that count on `day` (amounts in its currency)."""
    statement = statement_on(account.financials, statements, day)
    insured = account.insured_limit
    cover = cover_on(covers, day)
    if cover is not None:
        insured = fx.to_target(cover.amount, cover.currency or fx.target).quantize(CENT)
    if statement is account.financials and insured == account.insured_limit:
        return account
    return dataclasses.replace(account, financials=statement, insured_limit=insured)
