"""Reproducible decisions: a digest of the inputs, and a JSON-safe form of a Decision (money as strings).

Stored next to a decision, the digest says whether a re-run saw the same inputs; `decision_from_dict`
turns the stored form back into an equal Decision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from credit_core.fast import constructor
from credit_core.models import Account, Decision, Invoice, Order, Payment, Reason

_DATES = frozenset({"last_review_on", "next_review_on", "downgraded_on"})
_MONEY = frozenset(
    {"credit_limit", "exposure", "group_exposure", "available_credit", "utilization", "overdue_amount", "dso", "add"}
)
_FIELDS = tuple(f.name for f in fields(Decision))
_FIELD_SET = frozenset(_FIELDS)
_all_values = attrgetter(*_FIELDS)
_new_decision = constructor(Decision)  # every field given; the values come from a stored, validated decision
_new_reason = constructor(Reason)


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 10, 10.0 and 10.00 are the same amount
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    return value


def _records(records: Iterable[Invoice | Order | Payment]) -> list[Any]:
    return sorted((_canonical(r) for r in records), key=lambda r: (r["source"], r["crm_id"]))


def inputs_digest(
    account: Account,
    invoices: Iterable[Invoice],
    orders: Iterable[Order],
    payments: Iterable[Payment],
    as_of: date | datetime,
    *,
    group_exposure: Decimal | None = None,
    fx_rates: Mapping[str, Decimal] | None = None,
) -> str:
    """sha256 (hex) of a canonical serialisation of one evaluation's inputs; record order does not matter.

    `group_exposure` and `fx_rates` join the digest when given (a group's or a rate's change is a new input).
    """
    document = {
        "account": _canonical(account),
        "invoices": _records(invoices),
        "orders": _records(orders),
        "payments": _records(payments),
        "as_of": as_of.isoformat(),
    }
    if group_exposure is not None:
        document["group_exposure"] = _canonical(group_exposure)
    if fx_rates:
        document["fx_rates"] = {code: _canonical(rate) for code, rate in fx_rates.items()}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """A JSON-safe dict: money and ratios as strings, dates as ISO text, reasons as dicts."""
    # Every account's decision passes here twice per evaluation (stored and compared): no per-field `fields()`.
    out = dict(zip(_FIELDS, _all_values(decision), strict=True))
    for name, value in out.items():
        if isinstance(value, Decimal):
            out[name] = str(value)
        elif isinstance(value, datetime | date):
            out[name] = value.isoformat()
    out["reasons"] = [{"code": r.code, "text": r.text, "impact": r.impact} for r in decision.reasons]
    out["flags"] = list(decision.flags)
    return out


def _reasons(value: list[dict[str, Any]]) -> tuple[Reason, ...]:
    return tuple([_new_reason(code=r["code"], text=r["text"], impact=int(r["impact"])) for r in value])


_READERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_MONEY, Decimal),
    **dict.fromkeys(_DATES, date.fromisoformat),
    "evaluated_at": datetime.fromisoformat,
    "reasons": _reasons,
    "flags": tuple,
}


def decision_from_dict(data: dict[str, Any]) -> Decision:
    """The Decision stored by `decision_to_dict` (unknown keys are refused)."""
    unknown = data.keys() - _FIELD_SET
    if unknown:
        raise ValueError(f"not Decision fields: {', '.join(sorted(unknown))}")
    values = dict.fromkeys(_FIELDS)
    for name, value in data.items():
        if value is not None:
            reader = _READERS.get(name)
            values[name] = value if reader is None else reader(value)
    return _new_decision(**values)
