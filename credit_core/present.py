"""Decision fields as they go onto a CRM record (DESIGN §2 "What goes onto a CRM record").

Money in the account's currency rounded to the policy step; the score as an integer; flags joined by
";"; reasons one per line as `CODE: text (±n)`, most negative first, cut to the field's length.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import Any

from credit_core.models import Decision, Reason
from credit_core.policy import Policy, load_policy

MONEY_KEYS = frozenset({"credit_limit", "exposure", "group_exposure", "available_credit", "overdue_amount"})
DECISION_KEYS = frozenset(f.name for f in fields(Decision))
ELLIPSIS = "…"
_impact_then_code = attrgetter("impact", "code")


def round_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """`amount` to the nearest multiple of `step` (halves away from zero)."""
    return (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def reason_line(reason: Reason) -> str:
    """`CODE: text (+n)`; a zero impact is shown as (0)."""
    impact = f"{reason.impact:+d}" if reason.impact else "0"
    return f"{reason.code}: {reason.text} ({impact})"


def _cut(text: str, max_length: int | None) -> str:
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max(0, max_length - 1)] + ELLIPSIS if max_length > 0 else ""


def join_within(items: list[str], separator: str, max_length: int | None) -> str:
    """Items joined by `separator`, dropping whole items that do not fit; a lone first item is cut."""
    kept: list[str] = []
    used = 0
    for item in items:
        extra = len(item) + (len(separator) if kept else 0)
        if max_length is not None and used + extra > max_length:
            if not kept:
                kept.append(_cut(item, max_length))
            break
        kept.append(item)
        used += extra
    return separator.join(kept)


def reasons_text(reasons: tuple[Reason, ...], max_length: int | None = None) -> str:
    """One line per reason, most negative first, as many whole lines as fit."""
    ordered = sorted(reasons, key=_impact_then_code)
    return join_within([reason_line(r) for r in ordered], "\n", max_length)


def crm_value(decision: Decision, key: str, max_length: int | None = None, policy: Policy | None = None) -> Any:
    """The value of Decision field `key` for a CRM field (`policy` gives the money step; default: built-in)."""
    if key not in DECISION_KEYS:
        raise KeyError(f"{key!r} is not a Decision field (one of {', '.join(sorted(DECISION_KEYS))})")
    value = getattr(decision, key)
    if value is None:
        return None
    if key in MONEY_KEYS:
        return round_to_step(value, (policy or load_policy()).limits.rounding_step)
    if key == "score":
        return int(value)
    if key == "flags":
        return join_within(list(value), ";", max_length)
    if key == "reasons":
        return reasons_text(value, max_length)
    if isinstance(value, str):
        return _cut(value, max_length)
    if isinstance(value, datetime | date | int | Decimal):
        return value
    raise TypeError(f"no CRM form for {key!r} ({type(value).__name__})")
