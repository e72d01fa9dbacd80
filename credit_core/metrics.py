"""Published credit metrics (DESIGN §6): DSO family, CEI, PAYDEX, Altman Z, scorecard scaling, dunning, aging.

Numbers go in as int, float or Decimal and come out as Decimal unless stated. Conventions that sources
disagree on (days per month, period length, monthly versus period sales) are explicit parameters.
Formulas and sources: shared/reference/credit.md §2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Literal, Protocol

Number = int | float | Decimal
Zone = Literal["safe", "grey", "distress"]
AltmanModel = Literal["public", "private", "non_manufacturer"]

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def _d(value: Number) -> Decimal:
    """Decimal from a number; floats go through their shortest repr so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == ZERO else numerator / denominator


def dso_simple(ending_receivables: Number, credit_sales: Number, days_in_period: Number) -> Decimal | None:
    """Days sales outstanding = receivables / credit sales × days; None without sales."""
    # Multiply before dividing: 25,000 x 30 / 15,000 is exactly 50, 25,000 / 15,000 x 30 is not.
    return _ratio(_d(ending_receivables) * _d(days_in_period), _d(credit_sales))


def dso_countback(
    ending_receivables: Number,
    monthly_credit_sales_most_recent_first: Sequence[Number],
    days_per_month: int | Sequence[int] = 30,
) -> Decimal:
    """Countback DSO: peel whole months of sales off the receivables, then prorate the last month.

    When the months given do not exhaust the receivables, the rest is counted at the oldest month's pace.
    """
    left = _d(ending_receivables)
    sales = [_d(s) for s in monthly_credit_sales_most_recent_first]
    days = [days_per_month] * len(sales) if isinstance(days_per_month, int) else list(days_per_month)
    if len(days) != len(sales):
        raise ValueError("days_per_month must give one figure per month of sales")
    total = ZERO
    for month_sales, month_days in zip(sales, days, strict=True):
        if left <= ZERO:
            break
        if left >= month_sales:
            left -= month_sales
            total += month_days
        else:
            return total + left / month_sales * month_days
    if left > ZERO and sales and sales[-1] > ZERO:
        total += left / sales[-1] * days[-1]
    return total


def best_possible_dso(current_receivables: Number, credit_sales: Number, days_in_period: Number) -> Decimal | None:
    """Best possible DSO = current (not yet due) receivables / credit sales × days; None without sales."""
    return dso_simple(current_receivables, credit_sales, days_in_period)


def average_days_delinquent(
    total_receivables: Number, current_receivables: Number, credit_sales: Number, days_in_period: Number
) -> Decimal | None:
    """Average days delinquent = DSO − best possible DSO; None without sales."""
    dso = dso_simple(total_receivables, credit_sales, days_in_period)
    best = best_possible_dso(current_receivables, credit_sales, days_in_period)
    return None if dso is None or best is None else dso - best


def collection_effectiveness_index(
    beginning_receivables: Number,
    credit_sales: Number,
    ending_total_receivables: Number,
    ending_current_receivables: Number,
    months: int = 1,
) -> Decimal | None:
    """CEI in percent: collected / collectible; `credit_sales` is the period total, divided by `months`."""
    available = _d(beginning_receivables) + _d(credit_sales) / _d(months)
    collected = available - _d(ending_total_receivables)
    collectible = available - _d(ending_current_receivables)
    share = _ratio(collected, collectible)
    return None if share is None else share * HUNDRED


# D&B PAYDEX key (docs.dnb.com FAQ): days beyond terms -> index; negative days = paid early.
PAYDEX_KEY: tuple[tuple[int, int], ...] = (
    (-30, 100),
    (-20, 90),
    (0, 80),
    (15, 70),
    (22, 60),
    (30, 50),
    (60, 40),
    (90, 30),
    (120, 20),
    (180, 1),
)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _interpolate(x: Decimal, points: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Piecewise-linear through `points` (x ascending), flat beyond both ends."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


_DAYS_TO_INDEX = tuple((Decimal(d), Decimal(i)) for d, i in PAYDEX_KEY)
_INDEX_TO_DAYS = tuple((Decimal(i), Decimal(d)) for d, i in reversed(PAYDEX_KEY))


def paydex_from_days(days_beyond_terms: Number) -> int:
    """PAYDEX index 1–100 for paying `days_beyond_terms` late (negative = early), linear between key points."""
    index = _half_up(_interpolate(_d(days_beyond_terms), _DAYS_TO_INDEX))
    return min(100, max(1, index))


def paydex_to_days(score: Number) -> Decimal:
    """Days beyond terms that a PAYDEX index stands for: the inverse on the same key points."""
    return _interpolate(_d(score), _INDEX_TO_DAYS)


def paydex(experiences: Iterable[tuple[Number, Number]]) -> int | None:
    """Dollar-weighted PAYDEX over `(amount, days_beyond_terms)` experiences; None when there are none."""
    total = weighted = ZERO
    for amount, days in experiences:
        value = _d(amount)
        if value < ZERO:
            raise ValueError(f"a payment experience cannot have a negative amount ({amount})")
        total += value
        weighted += value * paydex_from_days(days)
    # Σ share × index computed as Σ amount × index / Σ amount: the same number, without rounding shares.
    return None if total == ZERO else _half_up(weighted / total)


# Altman (1968) Z; Altman (2000) Z' for private firms; Altman, Hartzell & Peck (1995) Z'' for
# non-manufacturers (no sales term). Coefficients for X1..X5 and the (distress, safe) cut-offs.
ALTMAN_MODELS: dict[str, tuple[tuple[Decimal, ...], Decimal, Decimal]] = {
    "public": (tuple(map(Decimal, ("1.2", "1.4", "3.3", "0.6", "1.0"))), Decimal("1.81"), Decimal("2.99")),
    "private": (tuple(map(Decimal, ("0.717", "0.847", "3.107", "0.420", "0.998"))), Decimal("1.23"), Decimal("2.90")),
    "non_manufacturer": (tuple(map(Decimal, ("6.56", "3.26", "6.72", "1.05", "0"))), Decimal("1.10"), Decimal("2.60")),
}


def altman_z(
    *,
    working_capital: Number,
    retained_earnings: Number,
    ebit: Number,
    equity: Number,
    total_liabilities: Number,
    sales: Number | None,
    total_assets: Number,
    model: AltmanModel = "public",
) -> tuple[Decimal, Zone]:
    """Altman Z (public), Z′ (private) or Z″ (non_manufacturer, sales unused) with its zone."""
    if model not in ALTMAN_MODELS:
        raise ValueError(f"unknown Altman model {model!r} (public, private or non_manufacturer)")
    weights, distress_below, safe_above = ALTMAN_MODELS[model]
    assets = _d(total_assets)
    liabilities = _d(total_liabilities)
    if assets <= ZERO or liabilities <= ZERO:
        raise ValueError("Altman Z needs positive total assets and total liabilities")
    ratios = [
        _d(working_capital) / assets,
        _d(retained_earnings) / assets,
        _d(ebit) / assets,
        _d(equity) / liabilities,
        ZERO if model == "non_manufacturer" or sales is None else _d(sales) / assets,
    ]
    if model != "non_manufacturer" and sales is None:
        raise ValueError(f"the {model} Altman model needs sales")
    z = sum((w * x for w, x in zip(weights, ratios, strict=True)), ZERO)
    zone: Zone = "safe" if z > safe_above else "distress" if z < distress_below else "grey"
    return z, zone


def scorecard_scaling(pdo: Number, anchor_score: Number, anchor_odds: Number) -> tuple[Decimal, Decimal]:
    """(factor, offset) with score = offset + factor × ln(good:bad odds): factor = pdo / ln 2."""
    factor = _d(pdo) / Decimal(2).ln()
    offset = _d(anchor_score) - factor * _d(anchor_odds).ln()
    return factor, offset


def score_at_odds(odds: Number, pdo: Number, anchor_score: Number, anchor_odds: Number) -> Decimal:
    """The scaled score for good:bad `odds` under the (pdo, anchor score, anchor odds) scaling."""
    factor, offset = scorecard_scaling(pdo, anchor_score, anchor_odds)
    return offset + factor * _d(odds).ln()


def dunning_charges(
    outstanding: Number, annual_rate_pct: Number, overdue_days: Number, fee: Number, day_count: int = 365
) -> tuple[Decimal, Decimal, Decimal]:
    """ERPNext's dunning: (interest, dunning amount = interest + fee, grand total = outstanding + dunning)."""
    principal = _d(outstanding)
    interest = principal * _d(annual_rate_pct) / HUNDRED * _d(overdue_days) / _d(day_count)
    dunning_amount = interest + _d(fee)
    return interest, dunning_amount, principal + dunning_amount


class AgedItem(Protocol):
    """Anything with an open balance and a due date (an Invoice, for one)."""

    @property
    def balance(self) -> Decimal | None: ...

    @property
    def due_on(self) -> date: ...


def aging_labels(edges: Sequence[int] = (30, 60, 90)) -> tuple[str, ...]:
    """Bucket names for `edges`: current, 1-30, 31-60, 61-90, 90+ for the default."""
    labels = ["current"]
    low = 1
    for edge in edges:
        labels.append(f"{low}-{edge}")
        low = edge + 1
    labels.append(f"{edges[-1]}+")
    return tuple(labels)


def aging_buckets(items: Iterable[AgedItem], as_of: date, edges: Sequence[int] = (30, 60, 90)) -> dict[str, Decimal]:
    """Open balance by days past due: current (not yet due), then up to each edge inclusive, then beyond."""
    if list(edges) != sorted(set(edges)) or not edges or edges[0] < 1:
        raise ValueError(f"aging edges must be increasing positive days, not {tuple(edges)}")
    labels = aging_labels(edges)
    buckets = dict.fromkeys(labels, ZERO)
    for item in items:
        if item.balance is None:
            continue
        days = (as_of - item.due_on).days
        slot = 0 if days <= 0 else 1 + sum(1 for edge in edges if days > edge)
        buckets[labels[slot]] += item.balance
    return buckets
