"""Reproducible decisions: a digest of the inputs, and a JSON-safe form of a Decision (money as strings).

Stored next to a decision, the digest says whether a re-run saw the same inputs; `decision_from_dict`
turns the stored form back into an equal Decision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from credit_core.models import Account, Decision, Invoice, Order, Payment, Reason

_DATES = frozenset({"last_review_on", "next_review_on", "downgraded_on"})
_MONEY = frozenset(
    {"credit_limit", "exposure", "group_exposure", "available_credit", "utilization", "overdue_amount", "dso", "add"}
)


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
    out: dict[str, Any] = {}
    for f in fields(Decision):
        value = getattr(decision, f.name)
        if f.name == "reasons":
            out[f.name] = [{"code": r.code, "text": r.text, "impact": r.impact} for r in value]
        elif f.name == "flags":
            out[f.name] = list(value)
        elif isinstance(value, Decimal):
            out[f.name] = str(value)
        elif isinstance(value, datetime | date):
            out[f.name] = value.isoformat()
        else:
            out[f.name] = value
    return out


def _from_json(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _MONEY:
        return Decimal(value)
    if name in _DATES:
        return date.fromisoformat(value)
    if name == "evaluated_at":
        return datetime.fromisoformat(value)
    if name == "reasons":
        return tuple(Reason(r["code"], r["text"], int(r["impact"])) for r in value)
    if name == "flags":
        return tuple(value)
    return value


def decision_from_dict(data: dict[str, Any]) -> Decision:
    """The Decision stored by `decision_to_dict` (unknown keys are refused)."""
    unknown = set(data) - {f.name for f in fields(Decision)}
    if unknown:
        raise ValueError(f"not Decision fields: {', '.join(sorted(unknown))}")
    return Decision(**{f.name: _from_json(f.name, data.get(f.name)) for f in fields(Decision)})
