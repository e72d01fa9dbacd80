"""The regular credit report by e-mail (the FAQ's "credit report"): new flags, holds and credit usage.

A digest covers the period that has just ended — yesterday, or last ISO week (Monday to Sunday) — and
its key names that period, so it goes out once however often the schedule fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

Period = Literal["daily", "weekly"]
_TOP = 10


@dataclass(frozen=True, slots=True)
class Window:
    """The days a digest covers: `start` inclusive, `end` exclusive."""

    period: Period
    start: date
    end: date

    @property
    def key(self) -> str:
        """ "daily:2026-11-27" or "weekly:2026-W48": what makes a digest unique."""
        if self.period == "daily":
            return f"daily:{self.start.isoformat()}"
        year, week, _ = self.start.isocalendar()
        return f"weekly:{year}-W{week:02d}"

    @property
    def label(self) -> str:
        """How the subject line names the period."""
        if self.period == "daily":
            return self.start.isoformat()
        return (
            f"week {self.key.split(':')[1]} ({self.start.isoformat()} to {(self.end - timedelta(days=1)).isoformat()})"
        )


def window(period: Period, today: date) -> Window:
    """The period that ended before `today`."""
    if period == "daily":
        return Window(period, today - timedelta(days=1), today)
    monday = today - timedelta(days=today.weekday())
    return Window(period, monday - timedelta(days=7), monday)


@dataclass(frozen=True, slots=True)
class Line:
    """One account as the digest lists it."""

    source: str
    crm_id: str
    name: str | None
    status: str
    flags: tuple[str, ...]
    exposure: Decimal
    credit_limit: Decimal
    currency: str
    utilization: Decimal | None
    overdue: Decimal = Decimal(0)


@dataclass
class Digest:
    """What one digest says."""

    window: Window
    new_flags: list[tuple[Line, tuple[str, ...]]] = field(default_factory=list)  # (account, flags that appeared)
    new_holds: list[Line] = field(default_factory=list)
    holds: list[Line] = field(default_factory=list)
    usage: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # currency -> (exposure, limits)
    most_used: list[Line] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Counts for the subject and the store."""
        return {"new_flags": len(self.new_flags), "new_holds": len(self.new_holds), "holds": len(self.holds)}


def _who(line: Line) -> str:
    return f"{line.name or line.crm_id} ({line.source}/{line.crm_id})"


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.0f} {currency}"


def _used(line: Line) -> str:
    """Credit usage the way the FAQ's report shows it: share used, what is left, what is overdue."""
    share = f"{line.utilization:.0%}" if line.utilization is not None else "no limit"
    left = line.credit_limit - line.exposure
    room = f"{_money(left, line.currency)} available" if left >= 0 else f"{_money(-left, line.currency)} over"
    late = f", {_money(line.overdue, line.currency)} overdue" if line.overdue else ""
    return f"{share} of {_money(line.credit_limit, line.currency)} ({room}{late})"


def subject(digest: Digest) -> str:
    """ "Credit digest 2026-11-27: new flags on 2 accounts, 1 new hold, 5 on hold"."""
    c = digest.summary()
    return (
        f"Credit digest {digest.window.label}: new flags on {c['new_flags']} account{'s' * (c['new_flags'] != 1)}, "
        f"{c['new_holds']} new hold{'s' * (c['new_holds'] != 1)}, {c['holds']} on hold"
    )


def render(digest: Digest) -> str:
    """The e-mail's plain-text body."""
    text = [subject(digest), ""]
    text.append("New warning flags:" if digest.new_flags else "New warning flags: none")
    text += [f"- {_who(line)}: {', '.join(flags)} (now {line.status})" for line, flags in digest.new_flags]
    text += ["", "Newly on hold:" if digest.new_holds else "Newly on hold: none"]
    text += [f"- {_who(line)}: {', '.join(line.flags) or 'grade'}, {_used(line)}" for line in digest.new_holds]
    text += ["", f"On hold now: {len(digest.holds)}"]
    text += [f"- {_who(line)}: {_money(line.exposure, line.currency)} owed" for line in digest.holds[:_TOP]]
    if len(digest.holds) > _TOP:
        text.append(f"- ... and {len(digest.holds) - _TOP} more")
    text += ["", "Credit usage (exposure / limits):"]
    for currency, (exposure, limits) in sorted(digest.usage.items()):
        share = f"{exposure / limits:.0%}" if limits else "no limits"
        text.append(f"- {currency}: {_money(exposure, currency)} of {_money(limits, currency)} ({share})")
    if digest.most_used:
        text += ["", "Most used limits:"]
        text += [f"- {_who(line)}: {_used(line)}" for line in digest.most_used[:_TOP]]
    return "\n".join(text) + "\n"
