"""How well scores rank good customers above bad ones: AUC, KS and bad rate by grade.

Pure Python on (score, bad) pairs, higher score = lower risk. AUC is the Mann–Whitney probability
that a random good customer outscores a random bad one, ties counting one half (Hanley & McNeil 1982);
Gini = 2·AUC − 1. KS is the largest gap between the cumulative score distributions of bads and goods
(Siddiqi, "Credit Risk Scorecards", ch. 6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GRADES = ("A", "B", "C", "D", "E")


def auc(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """P(score of a good > score of a bad) + ½·P(tie); None without both goods and bads."""
    ordered = sorted(pairs, key=lambda pair: pair[0])
    goods = sum(1 for _, bad in ordered if not bad)
    bads = len(ordered) - goods
    if not goods or not bads:
        return None
    rank_sum = 0.0  # of the goods, with tied scores sharing their average rank
    i = 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j][0] == ordered[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        rank_sum += average_rank * sum(1 for _, bad in ordered[i:j] if not bad)
        i = j
    return (rank_sum - goods * (goods + 1) / 2) / (goods * bads)


def ks(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """max over score cut-offs of |F_bad(s) − F_good(s)|; None without both goods and bads."""
    ordered = sorted(pairs, key=lambda pair: pair[0])
    goods = sum(1 for _, bad in ordered if not bad)
    bads = len(ordered) - goods
    if not goods or not bads:
        return None
    best = 0.0
    seen_good = seen_bad = 0
    for i, (score, bad) in enumerate(ordered):
        seen_bad += bad
        seen_good += not bad
        if i + 1 == len(ordered) or ordered[i + 1][0] != score:  # only between distinct scores
            best = max(best, abs(seen_bad / bads - seen_good / goods))
    return best


@dataclass(frozen=True, slots=True)
class GradeRow:
    """One grade's accounts, bads and bad rate."""

    grade: str
    accounts: int
    bads: int

    @property
    def bad_rate(self) -> float | None:
        """bads / accounts; None for an empty grade."""
        return self.bads / self.accounts if self.accounts else None


def bad_rate_by_grade(rows: Iterable[tuple[str, bool]], grades: Sequence[str] = GRADES) -> list[GradeRow]:
    """Accounts, bads and bad rate per grade, every grade listed (best first)."""
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for grade, bad in rows:
        counts[grade][0] += 1
        counts[grade][1] += bad
    return [GradeRow(g, *counts[g]) for g in grades]
