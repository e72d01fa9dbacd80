"""Portfolio concentration (seed §9, risk diversification): who holds how much of the book.

Shares are of the portfolio's total, per customer group (a parent hierarchy is one risk: DESIGN §2),
in the base currency. The Herfindahl–Hirschman index is Σ shareᵢ² over groups (0–1; 1 = one group
holds everything; 1/HHI is the "effective number" of equal-sized groups). Industry and country shares
are reported, not capped; only a group's exposure above `max_share × portfolio_budget` is a breach,
the same test that sets the `CONCENTRATION` flag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)
SHARE = Decimal("0.0001")
TOP_N: tuple[int, ...] = (1, 5, 10, 20)


@dataclass(frozen=True, slots=True)
class Position:
    """One account's place in the book (money in the base currency)."""

    key: tuple[str, str]
    group: tuple[str, str]  # the top of its parent chain; the account itself when it has none
    industry: str | None
    country: str | None
    exposure: Decimal
    credit_limit: Decimal


@dataclass(frozen=True, slots=True)
class Slice:
    """A part of the book (one industry, one country): its limits and exposure, and their shares."""

    credit_limit: Decimal
    limit_share: Decimal
    exposure: Decimal
    exposure_share: Decimal


@dataclass(frozen=True, slots=True)
class Breach:
    """A group whose exposure is above the concentration cap."""

    group: tuple[str, str]
    members: int
    exposure: Decimal
    budget_share: Decimal  # exposure / portfolio budget


@dataclass
class Concentration:
    """The concentration section of the portfolio report."""

    total_exposure: Decimal = ZERO
    total_limit: Decimal = ZERO
    groups: int = 0
    top_share: dict[int, Decimal] = field(default_factory=dict)  # N -> share of exposure of the N largest groups
    herfindahl: Decimal = ZERO  # over group exposure
    herfindahl_limits: Decimal = ZERO  # over group limits
    effective_groups: Decimal | None = None  # 1 / HHI
    by_industry: dict[str, Slice] = field(default_factory=dict)
    by_country: dict[str, Slice] = field(default_factory=dict)
    cap: Decimal = ZERO
    breaches: list[Breach] = field(default_factory=list)


def share(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole to four places; 0 when the whole is 0."""
    return (part / whole).quantize(SHARE) if whole else ZERO


def herfindahl(amounts: Iterable[Decimal]) -> Decimal:
    """Σ (amountᵢ / total)² to four places; 0 for an empty or all-zero book. Negative amounts count as 0."""
    values = [max(a, ZERO) for a in amounts]
    total = sum(values, ZERO)
    if not total:
        return ZERO
    return sum(((v / total) ** 2 for v in values), ZERO).quantize(SHARE)


def _slices(positions: list[Position], attribute: str, totals: tuple[Decimal, Decimal]) -> dict[str, Slice]:
    limits: defaultdict[str, Decimal] = defaultdict(Decimal)
    exposures: defaultdict[str, Decimal] = defaultdict(Decimal)
    for p in positions:
        name = getattr(p, attribute) or "(none)"
        limits[name] += p.credit_limit
        exposures[name] += p.exposure
    order = sorted(limits, key=lambda name: (-limits[name], name))
    total_limit, total_exposure = totals
    return {
        name: Slice(limits[n], share(limits[n], total_limit), exposures[n], share(exposures[n], total_exposure))
        for name in order
        for n in (name,)
    }


def concentration(
    positions: Iterable[Position], max_share: Decimal, portfolio_budget: Decimal, top_n: Iterable[int] = TOP_N
) -> Concentration:
    """Top-N shares, Herfindahl indexes, industry and country slices and cap breaches of a book."""
    book = list(positions)
    out = Concentration(cap=max_share * portfolio_budget)
    out.total_limit = sum((p.credit_limit for p in book), ZERO)
    exposure_of: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    limit_of: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    members: defaultdict[tuple[str, str], int] = defaultdict(int)
    for p in book:
        exposure_of[p.group] += p.exposure  # summed as the CONCENTRATION flag sums it
        limit_of[p.group] += p.credit_limit
        members[p.group] += 1
    out.groups = len(exposure_of)
    # A group in credit (credit notes above its debts) is no risk: it counts as 0 in shares and indexes.
    ranked = sorted(((g, max(e, ZERO)) for g, e in exposure_of.items()), key=lambda item: (-item[1], item[0]))
    out.total_exposure = sum((e for _, e in ranked), ZERO)
    out.top_share = {n: share(sum((e for _, e in ranked[:n]), ZERO), out.total_exposure) for n in top_n}
    out.herfindahl = herfindahl(exposure_of.values())
    out.herfindahl_limits = herfindahl(limit_of.values())
    out.effective_groups = (1 / out.herfindahl).quantize(Decimal("0.1")) if out.herfindahl else None
    out.by_industry = _slices(book, "industry", (out.total_limit, out.total_exposure))
    out.by_country = _slices(book, "country", (out.total_limit, out.total_exposure))
    out.breaches = [
        Breach(group, members[group], exposure, share(exposure, portfolio_budget))
        for group, exposure in ranked
        if exposure_of[group] > out.cap
    ]
    return out
