"""Alerts for the record owner: which change of a decision deserves a CRM task, and the task's words.

A task is due when the status worsens (OK → WATCH → HOLD) or a new flag appears; REVIEW_DUE gets its own
"contact the customer" task instead. The first decision of an account sets the baseline and alerts
nobody (an initial sync of thousands of accounts would otherwise bury the owners in tasks; the digest
lists what is on hold). Each task carries a change key, so the same change is never sent twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from credit_core import monitoring
from credit_core.glossary import flag_glossary
from credit_core.models import Account, Decision
from credit_core.plan import Plan

TaskKind = Literal["status", "flags", "review"]
STATUS_RANK = {"OK": 0, "WATCH": 1, "HOLD": 2}
REVIEW_FLAG = "REVIEW_DUE"
SUBJECT_LENGTH = 255  # Salesforce Task.Subject and Zoho Tasks.Subject both stop at 255
# A hold stops orders today; a watch or a review can wait a few days.
DUE_IN = {"status_HOLD": timedelta(0), "status_WATCH": timedelta(days=3), "flags": timedelta(days=3),
          "review": timedelta(days=7)}  # fmt: skip
_WORST_REASONS = 3


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """A CRM task for the account's owner, in CRM-neutral terms."""

    kind: TaskKind
    account_crm_id: str
    owner_crm_id: str | None
    subject: str
    description: str
    due_on: date
    priority: Literal["High", "Normal"]
    change_key: str


def _key(account: Account, kind: str, previous: Decision, current: Decision, added: list[str], day: date) -> str:
    # Same account, same transition, same day: one task, however often the account is re-evaluated.
    text = "|".join((account.source, account.crm_id, kind, previous.status, current.status, ",".join(added), str(day)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _flag_lines(flags: list[str]) -> list[str]:
    entries = flag_glossary()
    lines = []
    for flag in flags:
        entry = entries[flag]
        lines.append(f"- {entry.title} ({flag}): {entry.meaning} What to do: {entry.action}")
    return lines


def _reason_lines(decision: Decision) -> list[str]:
    worst = [r for r in decision.reasons if r.impact < 0][:_WORST_REASONS]
    return [f"- {r.code}: {r.text} ({r.impact:+d})" for r in worst]


def _describe(previous: Decision, current: Decision, added: list[str]) -> str:
    lines = [current.summary, ""]
    if previous.status != current.status:
        lines.append(f"Credit status: {previous.status} -> {current.status}")
    if added:
        lines += ["New warning flags:", *_flag_lines(added)]
    reasons = _reason_lines(current)
    if reasons:
        lines += ["Main reasons (score points):", *reasons]
    return "\n".join(lines)


def _cut(subject: str) -> str:
    return subject if len(subject) <= SUBJECT_LENGTH else subject[: SUBJECT_LENGTH - 1] + "…"


def _alert(account: Account, previous: Decision, current: Decision, added: list[str], day: date) -> TaskDraft:
    name = account.name or account.crm_id
    worse = STATUS_RANK[current.status] > STATUS_RANK[previous.status]
    if worse:
        kind: TaskKind = "status"
        label = "Credit hold" if current.status == "HOLD" else "Credit watch"
        due = DUE_IN[f"status_{current.status}"]
    else:
        kind, label, due = "flags", "New credit warning", DUE_IN["flags"]
    titles = ", ".join(flag_glossary()[f].title for f in added)
    subject = f"{label}: {name}" + (f" ({titles})" if titles else "")
    priority: Literal["High", "Normal"] = "High" if current.status == "HOLD" else "Normal"
    return TaskDraft(
        kind, account.crm_id, account.owner_crm_id, _cut(subject), _describe(previous, current, added),
        day + due, priority, _key(account, kind, previous, current, added, day),
    )  # fmt: skip


def _review(account: Account, previous: Decision, current: Decision, day: date) -> TaskDraft:
    name = account.name or account.crm_id
    due_since = current.next_review_on.isoformat() if current.next_review_on else "today"
    description = "\n".join(
        [
            current.summary,
            "",
            f"The scheduled credit review (due {due_since}, grade {current.grade}) has come.",
            "Contact the customer: review its credit needs (expected orders, payment plans, new financial "
            "statements), then record the review's outcome (crm-credit review, or the admin page). Recording it "
            "sets the next review date.",
        ]
    )
    subject = _cut(f"Contact the customer: review credit needs ({name})")
    key = _key(account, "review", previous, current, [REVIEW_FLAG], day)
    return TaskDraft("review", account.crm_id, account.owner_crm_id, subject, description, day + DUE_IN["review"],
                     "Normal", key)  # fmt: skip


def task_drafts(
    account: Account, previous: Decision | None, current: Decision, plan: Plan, day: date
) -> list[TaskDraft]:
    """The tasks a new decision calls for: none without a change, at most one alert and one review task."""
    if previous is None or (current.flags == previous.flags and current.status == previous.status):
        return []  # the common case on a re-run: nothing to tell anyone
    added = sorted(set(current.flags) - set(previous.flags))
    drafts = []
    others = [f for f in added if f != REVIEW_FLAG]
    # A status that worsened only because the review came due is the review task's business.
    without_review = tuple(f for f in current.flags if f != REVIEW_FLAG)
    worse = STATUS_RANK[monitoring.status(without_review, current.grade, plan)] > STATUS_RANK[previous.status]
    if others or worse:
        drafts.append(_alert(account, previous, current, others, day))
    if REVIEW_FLAG in added:
        drafts.append(_review(account, previous, current, day))
    return drafts


def with_reviews(account: Account, reviewed_on: Sequence[date], promises: Sequence[date | None]) -> Account:
    """The account with its latest review day and promise to pay (from the CRM or recorded here, the later)."""
    days = [*reviewed_on, *([account.last_review_on] if account.last_review_on else [])]
    promised = [p for p in (*promises, account.promise_to_pay_on) if p is not None]
    return replace(account, last_review_on=max(days, default=None), promise_to_pay_on=max(promised, default=None))
