"""Everything one evaluation read, as a JSON document that rebuilds the exact same inputs.

Stored with each decision's audit row (by its digest), it makes any logged decision reproducible:
`evaluate_account(**inputs, policy=<the logged policy version>, as_of=<evaluated_at>,
previous=<the row's "before">)` gives the logged decision again. Amounts keep their exact spelling
(`100.00` stays `100.00`), unlike the digest's canonical form, so nothing is rounded on the way back.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from credit_core.fx import parse_rates
from credit_core.models import Account, Financials, Invoice, LimitOverride, Order, Payment, Qualitative

_NESTED: dict[str, type[Any]] = {"financials": Financials, "qualitative": Qualitative, "limit_override": LimitOverride}


@dataclass(frozen=True, slots=True)
class EvaluationInputs:
    """The records and figures one `evaluate_account` call was given (besides policy, day and previous)."""

    account: Account
    invoices: tuple[Invoice, ...] = ()
    orders: tuple[Order, ...] = ()
    payments: tuple[Payment, ...] = ()
    group_exposure: Decimal | None = None  # in the account's currency; None: its own exposure
    fx_rates: dict[str, Decimal] = field(default_factory=dict)

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for `evaluate_account` (add policy, as_of and previous)."""
        return {
            "account": self.account,
            "invoices": self.invoices,
            "orders": self.orders,
            "payments": self.payments,
            "group_exposure": self.group_exposure,
            "fx_rates": self.fx_rates,
        }


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _exact(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def inputs_document(
    account: Account,
    invoices: Iterable[Invoice],
    orders: Iterable[Order],
    payments: Iterable[Payment],
    group_exposure: Decimal | None = None,
    fx_rates: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """The inputs as JSON-safe values (money as exact strings)."""
    return {
        "account": _exact(account),
        "invoices": [_exact(r) for r in invoices],
        "orders": [_exact(r) for r in orders],
        "payments": [_exact(r) for r in payments],
        "group_exposure": None if group_exposure is None else str(group_exposure),
        "fx_rates": {code: str(rate) for code, rate in sorted(parse_rates(fx_rates).items())},
    }


_CONVERTERS: dict[type[Any], dict[str, Any]] = {}


def _converters(cls: type[Any]) -> dict[str, Any]:
    if cls in _CONVERTERS:
        return _CONVERTERS[cls]
    hints = typing.get_type_hints(cls)
    found: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kinds = set(typing.get_args(hints[f.name])) or {hints[f.name]}
        if f.name in _NESTED and cls is Account:
            nested = _NESTED[f.name]
            found[f.name] = lambda raw, nested=nested: _rebuild(nested, raw)
        elif Decimal in kinds:
            found[f.name] = Decimal
        elif datetime in kinds:
            found[f.name] = datetime.fromisoformat
        elif date in kinds:
            found[f.name] = date.fromisoformat
    _CONVERTERS[cls] = found
    return found


def _rebuild(cls: type[Any], raw: Mapping[str, Any]) -> Any:
    converters = _converters(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(raw) - names
    if unknown:
        raise ValueError(f"not {cls.__name__} fields: {', '.join(sorted(unknown))}")
    values = {k: (v if v is None or k not in converters else converters[k](v)) for k, v in raw.items()}
    return cls(**values)


def inputs_from_document(document: Mapping[str, Any]) -> EvaluationInputs:
    """The inputs that `inputs_document` wrote, rebuilt exactly."""
    group = document.get("group_exposure")
    return EvaluationInputs(
        account=_rebuild(Account, document["account"]),
        invoices=tuple(_rebuild(Invoice, r) for r in document.get("invoices", ())),
        orders=tuple(_rebuild(Order, r) for r in document.get("orders", ())),
        payments=tuple(_rebuild(Payment, r) for r in document.get("payments", ())),
        group_exposure=None if group is None else Decimal(group),
        fx_rates=parse_rates(document.get("fx_rates")),
    )
