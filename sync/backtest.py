"""`crm-credit backtest`: score the stored portfolio as of past days and compare with what happened next.

Reads the store (what sync pulled, imports included) one account at a time; the point-in-time rules
are `credit_core.backtest`'s. When a horizon runs past the last day the records can tell (today),
it is cut there and the result says so (`horizon_end` < as-of + horizon): such a result counts bads
over a shorter window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from credit_core.backtest import Case, Skip, add_months, case_at
from credit_core.errors import CreditCoreError
from credit_core.fx import parse_rates
from credit_core.policy import Policy
from credit_core.validation import GradeRow, auc, bad_rate_by_grade, ks
from sync.store import Store
from sync.store import supplements as imported
from sync.store.bundles import Bundle, stream_bundles

_CHUNK = 500


@dataclass
class BacktestResult:
    """One as-of day's sample and how well the scores ranked it."""

    as_of: date
    horizon_end: date
    accounts: int = 0
    bads: int = 0
    auc: float | None = None
    ks: float | None = None
    by_grade: list[GradeRow] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    cases: list[Case] = field(default_factory=list, repr=False)

    @property
    def bad_rate(self) -> float | None:
        """bads / accounts."""
        return self.bads / self.accounts if self.accounts else None

    @property
    def gini(self) -> float | None:
        """2·AUC − 1."""
        return None if self.auc is None else 2 * self.auc - 1

    def to_json(self) -> dict[str, Any]:
        """JSON-ready figures (cases left out)."""
        return {
            "as_of": self.as_of.isoformat(), "horizon_end": self.horizon_end.isoformat(), "accounts": self.accounts,
            "bads": self.bads, "bad_rate": _round(self.bad_rate), "auc": _round(self.auc), "gini": _round(self.gini),
            "ks": _round(self.ks), "skipped": self.skipped, "errors": self.errors,
            "by_grade": [{"grade": g.grade, "accounts": g.accounts, "bads": g.bads, "bad_rate": _round(g.bad_rate)}
                         for g in self.by_grade],
        }  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def default_as_of(today: date, horizon_months: int) -> list[date]:
    """The latest day whose whole horizon is already known."""
    return [add_months(today, -horizon_months)]


def _chunks(bundles: Iterator[Bundle]) -> Iterator[list[Bundle]]:
    chunk: list[Bundle] = []
    for bundle in bundles:
        chunk.append(bundle)
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def backtest(
    store: Store,
    policy: Policy,
    as_of_days: Iterable[date],
    horizon_months: int,
    today: date,
    fx_rates: dict[str, Any] | None = None,
    on_case: Callable[[date, Case], None] | None = None,
) -> list[BacktestResult]:
    """One result per as-of day (all days scored in one pass over the store)."""
    rates = parse_rates(fx_rates)
    results = [BacktestResult(day, min(add_months(day, horizon_months), today)) for day in sorted(set(as_of_days))]
    skipped: list[Counter[str]] = [Counter() for _ in results]
    with store.read() as conn:
        for chunk in _chunks(stream_bundles(conn)):
            keys = [b.key for b in chunk]
            statements, covers = imported.load_statements(conn, keys), imported.load_covers(conn, keys)
            for bundle, (result, skips) in ((b, r) for b in chunk for r in zip(results, skipped, strict=True)):
                try:
                    found = case_at(bundle.account, bundle.invoices, bundle.payments, policy, result.as_of,
                                    result.horizon_end, rates, statements.get(bundle.key, ()),
                                    covers.get(bundle.key, ()))  # fmt: skip
                except CreditCoreError:
                    result.errors += 1
                    continue
                if isinstance(found, Skip):
                    skips[found.value] += 1
                    continue
                result.cases.append(found)
                if on_case is not None:
                    on_case(result.as_of, found)
    for result, skips in zip(results, skipped, strict=True):
        _measure(result, skips)
    return results


def _measure(result: BacktestResult, skips: Counter[str]) -> None:
    pairs = [(float(c.decision.score), c.bad) for c in result.cases]
    result.accounts = len(pairs)
    result.bads = sum(bad for _, bad in pairs)
    result.auc, result.ks = auc(pairs), ks(pairs)
    result.by_grade = bad_rate_by_grade((c.decision.grade, c.bad) for c in result.cases)
    result.skipped = dict(sorted(skips.items()))
