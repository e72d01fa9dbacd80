"""Owner tasks: one `POST /services/data/vXX.X/sobjects/Task/` per task (WhatId = the account).

Salesforce answers 201 with `{"id", "success": true, "errors": []}`; a refused task is a 400 with
`[{"errorCode", "message", "fields"}]` (an inactive owner: INVALID_CROSS_REFERENCE_KEY). Tasks are rare
(one per change of an account's credit status), so one call per task keeps each outcome its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from connectors.errors import ConfigError, CrmCreditError, QuotaExhausted, TransientError
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.tasks import TaskOutcome, TaskRequest

DESCRIPTION_LENGTH = 32000  # Task.Description is a 32 KB long text area


def task_body(task: TaskRequest) -> dict[str, Any]:
    """The Task fields: related to the account, assigned to its owner, open, due on the day given."""
    body: dict[str, Any] = {
        "WhatId": soql.to18(task.account_crm_id),
        "Subject": task.subject,
        "Description": task.description[:DESCRIPTION_LENGTH],
        "ActivityDate": task.due_on.isoformat(),
        "Status": "Not Started",
        "Priority": task.priority,
    }
    if task.owner_crm_id and soql.is_record_id(task.owner_crm_id):
        body["OwnerId"] = soql.to18(task.owner_crm_id)
    return body


def create_tasks(client: SalesforceClient, batch: Sequence[TaskRequest]) -> list[TaskOutcome]:
    """Create each task; a refusal of one task is its outcome, a setup or quota problem stops the batch."""
    outcomes = []
    for task in batch:
        if not soql.is_record_id(task.account_crm_id):
            outcomes.append(TaskOutcome(task.ref, False, code="MALFORMED_ID", message="not a Salesforce record id"))
            continue
        try:
            answer = client.rest("create Task", "sobjects/Task/", method="POST", data=json.dumps(task_body(task)))
        except (ConfigError, QuotaExhausted):
            raise
        except TransientError as error:
            outcomes.append(TaskOutcome(task.ref, False, code="TRANSIENT", message=str(error), transient=True))
            continue
        except CrmCreditError as error:
            outcomes.append(TaskOutcome(task.ref, False, code="REFUSED", message=str(error)))
            continue
        if isinstance(answer, dict) and answer.get("success") and answer.get("id"):
            outcomes.append(TaskOutcome(task.ref, True, task_crm_id=str(answer["id"])))
        else:
            outcomes.append(TaskOutcome(task.ref, False, code="UNKNOWN_EXCEPTION", message=str(answer)[:300]))
    return outcomes
