"""Owner tasks: `POST /crm/v8/Tasks`, up to 100 a call, each related to its account.

`What_Id` is a lookup that may point at several modules, so Zoho needs `$se_module` ("Accounts") beside
it; `Owner` is `{"id": user id}` (the record owner's id as the account read gave it). Each record has
its own `{code, details: {id, ...}, message, status}` entry, in request order, whatever the HTTP status.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.tasks import TaskOutcome, TaskRequest
from connectors.zoho.client import ZohoClient
from connectors.zoho.errors import ZohoRequestError
from connectors.zoho.values import is_zoho_id
from connectors.zoho.writes import MAX_RECORDS, outcome_of

MODULE = "Tasks"
DESCRIPTION_LENGTH = 32000  # Tasks.Description is a multi-line text of 32,000 characters


def task_body(task: TaskRequest) -> dict[str, Any]:
    """One `data[]` entry."""
    body: dict[str, Any] = {
        "Subject": task.subject,
        "Description": task.description[:DESCRIPTION_LENGTH],
        "Due_Date": task.due_on.isoformat(),
        "Status": "Not Started",
        "Priority": task.priority,
        "What_Id": {"id": task.account_crm_id},
        "$se_module": "Accounts",
    }
    if task.owner_crm_id and is_zoho_id(task.owner_crm_id):
        body["Owner"] = {"id": task.owner_crm_id}
    return body


def create_tasks(client: ZohoClient, batch: Sequence[TaskRequest]) -> list[TaskOutcome]:
    """Insert one batch of tasks; each task's outcome from its own result entry."""
    if len(batch) > MAX_RECORDS:
        raise ValueError(f"Zoho inserts at most {MAX_RECORDS} records per call ({len(batch)} given)")
    sendable = [t for t in batch if is_zoho_id(t.account_crm_id)]
    outcomes = {t.ref: TaskOutcome(t.ref, False, code="INVALID_DATA", message="not a Zoho record id")
                for t in batch if t not in sendable}  # fmt: skip
    if sendable:
        entries = client.insert(MODULE, [task_body(t) for t in sendable])
        if len(entries) != len(sendable):
            first = entries[0] if entries else {}
            raise ZohoRequestError(400, str(first.get("code") or "UNKNOWN"), str(first.get("message") or ""))
        for task, entry in zip(sendable, entries, strict=True):
            result = outcome_of(task.account_crm_id, entry)
            details = entry.get("details")
            created = str(details["id"]) if result.ok and isinstance(details, dict) and details.get("id") else None
            outcomes[task.ref] = TaskOutcome(
                task.ref, result.ok, created, result.code, result.message, transient=result.transient
            )
    return [outcomes[t.ref] for t in batch]
