"""The optional task capability: a connector that can put a to-do on a CRM user's list about an account
(credit alerts and reviews). Kept apart from `connectors.base` because only some CRMs offer it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A to-do for a CRM user about one account (a credit alert or a review to do)."""

    ref: int  # the engine's id for the task, echoed in the outcome
    account_crm_id: str
    owner_crm_id: str | None  # None: the CRM's default (the integration user)
    subject: str
    description: str
    due_on: date
    priority: Literal["High", "Normal"]


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What the CRM answered for one task."""

    ref: int
    ok: bool
    task_crm_id: str | None = None
    code: str | None = None
    message: str | None = None
    transient: bool = False  # failed, but the same task may be created later


@runtime_checkable
class TaskSink(Protocol):
    """Optional: a connector that can create CRM tasks (Salesforce `Task`, Zoho `Tasks`, Fxiaoke 日程)."""

    task_batch_size: int  # tasks per call

    def create_tasks(self, batch: Sequence[TaskRequest]) -> list[TaskOutcome]:
        """Create up to `task_batch_size` tasks; one outcome per task, in the order given."""
        ...
