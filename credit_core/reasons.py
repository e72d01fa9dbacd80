"""Reason texts a sales rep understands, and integer impacts that add up exactly to the score.

Texts use buckets ("31–60 days past due", "Payment index 50–69"), never day counts, so a reason only
changes when the calendar crosses a documented threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import Any

from credit_core.fast import constructor
from credit_core.models import Reason

Kind = str  # "int" | "pct" | "ratio" | "days" | "money"


def _number(value: Decimal, kind: Kind) -> str:
    if kind == "pct":
        return f"{(value * 100).normalize():f}"
    if kind == "money":
        return _compact(value)
    if kind == "ratio":
        return f"{value:.1f}"
    return f"{value.normalize():f}"


def _with_unit(text: str, kind: Kind, currency: str) -> str:
    if kind == "pct":
        return f"{text} %"
    return f"{currency} {text}" if kind == "money" else text


def _compact(value: Decimal) -> str:
    for unit, suffix in ((Decimal(10**9), "bn"), (Decimal(10**6), "m"), (Decimal(10**3), "k")):
        if abs(value) >= unit:
            return f"{(value / unit).normalize():f}{suffix}"
    return f"{value.normalize():f}"


def bin_label(edges: Sequence[Decimal], index: int, kind: Kind, currency: str = "") -> str:
    """The range of bin `index` in words: "under 40", "40–49", "80 or more" (whole-number bins end one lower)."""
    if index == 0:
        return f"under {_with_unit(_number(edges[0], kind), kind, currency)}"
    if index == len(edges):
        return f"{_with_unit(_number(edges[-1], kind), kind, currency)} or more"
    low, high = edges[index - 1], edges[index]
    if kind == "int":
        high -= 1
    text = _number(low, kind) if low == high else f"{_number(low, kind)}–{_number(high, kind)}"
    return _with_unit(text, kind, currency)


def days_bucket(days: int) -> str:
    """The aging bucket of a number of days late: 1–30, 31–60, 61–90 or over 90."""
    if days <= 30:
        return "1–30"
    if days <= 60:
        return "31–60"
    if days <= 90:
        return "61–90"
    return "over 90"


# Bin-based texts: {label} is the bin's range in words.
BIN_TEXTS: dict[str, str] = {
    "paydex": "Payment index {label} in the last 12 months (80 means paying on time)",
    "days_delinquent": "Overdue balance worth {label} days of sales (average days delinquent)",
    "current_ratio": "Current ratio {label} (current assets / current liabilities)",
    "leverage": "Liabilities {label} of total assets",
    "cash_flow": "Operating cash flow {label} of current liabilities",
    "bureau_score": "Bureau score {label} of 100",
    "years_in_business": "In business {label} years",
    "annual_revenue": "Annual revenue {label}",
    "months_as_customer": "Customer for {label} months",
    "invoice_count": "{label} invoices on record",
}
RATING_TEXTS: dict[str, str] = {
    "management": "Management rated {value} of 5",
    "market_position": "Market position rated {value} of 5",
    "industry_outlook": "Industry outlook rated {value} of 5",
}
MISSING_FACTOR_TEXTS: dict[str, str] = {
    "payment": "No payment history in the last 12 months",
    "financials": "No financial statements on file",
    "bureau": "No bureau score on file",
    "qualitative": "No analyst ratings on file",
    "profile": "Company profile missing (industry, founding year, revenue)",
    "relationship": "No invoices on record yet",
}
FACTOR_WORDS: dict[str, str] = {
    "payment": "Payment history",
    "financials": "Financial statements",
    "bureau": "Bureau data",
    "qualitative": "Analyst ratings",
    "profile": "Company profile",
    "relationship": "Customer history",
}


def late_payments_text(late: int, share_label: str, worst_days: int) -> str:
    """ "3 invoices paid late in the last 12 months (25–50 % of those paid), worst 31–60 days late"."""
    if late == 0:
        return "No invoice paid late in the last 12 months"
    noun = "invoice" if late == 1 else "invoices"
    return (
        f"{late} {noun} paid late in the last 12 months ({share_label} of those paid), "
        f"worst {days_bucket(worst_days)} days late"
    )


def past_due_text(max_days_past_due: int) -> str:
    """The oldest open invoice's lateness, bucketed."""
    if max_days_past_due <= 0:
        return "No invoice past due"
    return f"Oldest open invoice {days_bucket(max_days_past_due)} days past due"


@lru_cache(maxsize=4096)
def missing_text(factor: str, missing: tuple[str, ...], whole_factor: bool) -> str:
    """Why a factor scored neutral: nothing on file, or which parts are missing."""
    if whole_factor:
        return MISSING_FACTOR_TEXTS[factor]
    return f"{FACTOR_WORDS[factor]} incomplete: no {', no '.join(missing)}"


_new_reason = constructor(Reason)
# Reasons shared between decisions that give the same one (a portfolio repeats them a lot),
# keyed by (impact, code, text) as the scorecard sorts them.
SHARED: dict[tuple[int, str, str], Reason] = {}


def reason(code: str, text: str, impact: int) -> Reason:
    """A Reason, the shared one when an earlier decision gave the same."""
    key = (impact, code, text)
    found = SHARED.get(key)
    if found is None:
        if len(SHARED) > 100_000:
            SHARED.clear()  # texts with counts in them could otherwise grow without end
        found = SHARED[key] = _new_reason(code=code, text=text, impact=impact)
    return found


def allocate(contributions: Sequence[int | Decimal], target: int, tie_keys: Sequence[str]) -> list[int]:
    """Integer impacts summing exactly to `target` (largest-remainder rounding).

    When the score was clamped to 0–100 the contributions are first scaled to the target; remainders
    then go to the largest fractional parts, ties to the larger contribution, then to the code.
    """
    if all(type(c) is int for c in contributions):
        return _allocate_whole([int(c) for c in contributions], target, tie_keys)
    scaled = [Decimal(c) for c in contributions]
    total = sum(scaled, Decimal(0))
    if total != target and total != 0 and abs(total - target) >= Decimal("0.5"):
        scaled = [c * target / total for c in scaled]
    floors = [int(c.to_integral_value(rounding=ROUND_FLOOR)) for c in scaled]
    fractions = [c - f for c, f in zip(scaled, floors, strict=True)]
    return _hand_out(floors, fractions, scaled, target, tie_keys)


def _allocate_whole(contributions: list[int], target: int, tie_keys: Sequence[str]) -> list[int]:
    total = sum(contributions)
    if total == target or total == 0:
        return contributions
    # Exact integer arithmetic: c × target / total = floor + remainder / |total|.
    sign = 1 if total > 0 else -1
    denominator = total * sign
    numerators = [c * target * sign for c in contributions]
    floors = [n // denominator for n in numerators]
    remainders = [n - f * denominator for n, f in zip(numerators, floors, strict=True)]
    return _hand_out(floors, remainders, contributions, target, tie_keys)


def _hand_out(
    floors: list[int],
    fractions: Sequence[Any],
    contributions: Sequence[Any],
    target: int,
    tie_keys: Sequence[str],
) -> list[int]:
    left = target - sum(floors)
    order = sorted(range(len(floors)), key=lambda i: (-fractions[i], -abs(contributions[i]), tie_keys[i]))
    for i in order[: max(0, left)]:
        floors[i] += 1
    return floors


def ordered(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """Most negative first; equal impacts by code, so the order never depends on input order."""
    return tuple(sorted(reasons, key=lambda r: (r.impact, r.code)))
