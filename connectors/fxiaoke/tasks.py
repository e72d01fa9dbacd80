"""Owner tasks as 日程 (`ScheduleObj`) records: one `POST /cgi/crm/v2/data/create` per task.

Fxiaoke's public OpenAPI documents no to-do or task endpoint and its official object list has no task
object (GitHub fsxiaoke/sharecrm-cli-skills, skills/sharecrm/references/objectApiNames.md: 日程
`ScheduleObj`, 销售记录 `ActiveRecordObj`, only approval / stage / BPM "tasks"). Fxiaoke's own
management-report skill reads a rep's to-dos from 日程 when no task object exists, with the fields
`participants, content, begin_time, end_time, related_object_data` (its "CRM CLI 查询参考"); a 日程 has a
time, which a 销售记录 (a record of contact already made) has not, so it is the closest thing to a task.
The account link `related_object_data` takes the shape real tenants read back on activity records,
`[{"describe_api_name", "id"}]`; that create accepts it so is UNVERIFIED against a live tenant.

Create takes one record per call (fxp/skillify references/crm-preset-objects.md §2), answers `dataId`,
and is sent with `triggerApprovalFlow: false` like every write of ours; workflows run as the source
configures. A refused task (32000: an unknown owner, a missing account) fails alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from connectors.errors import CrmCreditError, TransientError
from connectors.fxiaoke import query
from connectors.fxiaoke.client import FxiaokeClient
from connectors.fxiaoke.codes import FxiaokeCallError
from connectors.tasks import TaskOutcome, TaskRequest

SCHEDULE = "ScheduleObj"
CREATE_PATH = "/cgi/crm/v2/data/create"
ACCOUNT = "AccountObj"
NAME_LENGTH = 100  # `name` is a 100-character text on every object
CONTENT_LENGTH = 2000  # a long_text field holds 2,000 characters
CHINA = timezone(timedelta(hours=8))  # the tenant's GMT+8: the due day starts at its midnight
# The follow-up sits at the start of the rep's working day on the due date, half an hour long.
STARTS_AT, LASTS = time(9, 0), timedelta(minutes=30)


def _epoch_ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


def schedule_data(task: TaskRequest) -> dict[str, Any]:
    """The `object_data` of one 日程: titled by the subject, on the due day, for the owner, about the account."""
    begin = datetime.combine(task.due_on, STARTS_AT, CHINA)
    content = task.description if task.priority == "Normal" else f"[{task.priority}] {task.description}"
    data: dict[str, Any] = {
        "dataObjectApiName": SCHEDULE,
        "name": task.subject[:NAME_LENGTH],
        "content": content[:CONTENT_LENGTH],
        "begin_time": _epoch_ms(begin),
        "end_time": _epoch_ms(begin + LASTS),
        "related_object_data": [{"describe_api_name": ACCOUNT, "id": task.account_crm_id}],
    }
    if task.owner_crm_id:
        # Employee fields are lists even when single; without an owner the acting user owns it.
        data["owner"] = [task.owner_crm_id]
        data["participants"] = [task.owner_crm_id]
    return data


def create_tasks(client: FxiaokeClient, batch: Sequence[TaskRequest], trigger_workflow: bool) -> list[TaskOutcome]:
    """Create each task; a refusal is that task's outcome, a transient failure ends the batch there.

    An error that must stop sending (setup, quota) is raised only while nothing of the batch was
    created, since the caller then hands the whole batch back.
    """
    outcomes: list[TaskOutcome] = []
    for position, task in enumerate(batch):
        if not query.valid_id(task.account_crm_id):
            outcomes.append(TaskOutcome(task.ref, False, code="INVALID_ID", message="not a Fxiaoke record id"))
            continue
        body = {"data": {"object_data": schedule_data(task)}, "triggerApprovalFlow": False,
                "triggerWorkFlow": trigger_workflow}  # fmt: skip
        try:
            answer = client.call(CREATE_PATH, body, replayable=False)
        except FxiaokeCallError as exc:
            outcomes.append(TaskOutcome(task.ref, False, code=str(exc.code), message=exc.crm_message or str(exc)))
            continue
        except CrmCreditError as exc:
            if not isinstance(exc, TransientError) and not any(o.ok for o in outcomes):
                raise
            # -1 / 50009 / a 5xx may or may not have created it; this task and the rest wait for the next run.
            return outcomes + [_later(t, exc) for t in batch[position:]]
        created = answer.get("dataId")
        if isinstance(created, str) and created:
            outcomes.append(TaskOutcome(task.ref, True, task_crm_id=created))
        else:
            outcomes.append(TaskOutcome(task.ref, False, code="NO_DATA_ID", message="create answered no dataId"))
    return outcomes


def _later(task: TaskRequest, exc: CrmCreditError) -> TaskOutcome:
    return TaskOutcome(task.ref, False, code="TRANSIENT", message=str(exc)[:300], transient=True)
