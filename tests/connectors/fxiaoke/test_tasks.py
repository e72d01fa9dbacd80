"""Owner tasks against the sandbox: one 日程 (ScheduleObj) per task through data/create, for the owner on
the due day and linked to the account; a refused task fails alone, a stopping error stops only an
untouched batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

import pytest

from connectors.errors import QuotaExhausted
from connectors.fxiaoke.connector import FxiaokeConnector
from connectors.tasks import TaskRequest, TaskSink
from sandbox.fxiaoke import FxiaokeSandbox
from tests.connectors.fxiaoke.conftest import ConnectorFactory

CREATE = "/cgi/crm/v2/data/create"
CHINA = timezone(timedelta(hours=8))
DUE = date(2026, 12, 1)


def task(ref: int, account: str, owner: str | None, priority: Literal["High", "Normal"] = "Normal") -> TaskRequest:
    return TaskRequest(ref, account, owner, f"Credit hold {ref}", "Why: PAST_DUE_90", DUE, priority)


@pytest.fixture
def tasker(connect: ConnectorFactory) -> FxiaokeConnector:
    return connect()


def test_the_connector_takes_tasks(tasker: FxiaokeConnector) -> None:
    assert isinstance(tasker, TaskSink) and tasker.task_batch_size >= 1


def test_a_task_is_a_schedule_for_the_owner_on_the_due_day_about_the_account(
    tasker: FxiaokeConnector, fx: FxiaokeSandbox
) -> None:
    account = fx.ids("AccountObj")[0]
    rep = fx.tenant.people.employees[3].employee_id
    [outcome] = tasker.create_tasks([task(7, account, rep, "High")])
    assert outcome.ok and outcome.ref == 7 and outcome.task_crm_id
    stored = fx.get_record("ScheduleObj", outcome.task_crm_id)
    assert stored is not None
    assert stored["owner"] == [rep] and stored["participants"] == [rep]
    assert stored["related_object_data"] == [{"describe_api_name": "AccountObj", "id": account}]
    assert stored["name"] == "Credit hold 7" and stored["content"] == "[High] Why: PAST_DUE_90"
    begin = datetime.fromtimestamp(stored["begin_time"] / 1000, UTC).astimezone(CHINA)
    assert (begin.date(), begin.hour) == (DUE, 9) and stored["end_time"] > stored["begin_time"]
    assert fx.workflow_log == []  # workflows only when the source asks for them


def test_without_an_owner_the_acting_user_owns_it(tasker: FxiaokeConnector, fx: FxiaokeSandbox) -> None:
    [outcome] = tasker.create_tasks([task(1, fx.ids("AccountObj")[0], None)])
    stored = fx.get_record("ScheduleObj", outcome.task_crm_id or "")
    assert stored is not None and stored["owner"] == [fx.user_id] and "participants" not in stored


def test_an_unknown_owner_or_a_refused_record_fails_alone(tasker: FxiaokeConnector, fx: FxiaokeSandbox) -> None:
    account, rep = fx.ids("AccountObj")[0], fx.user_id
    outcomes = tasker.create_tasks(
        [task(1, account, "999999"), task(2, "0" * 24, rep), task(3, "not an id!", rep), task(4, account, rep)]
    )
    assert [o.ok for o in outcomes] == [False, False, False, True]
    assert [o.ref for o in outcomes] == [1, 2, 3, 4]
    assert outcomes[0].code == "32000" and "999999" in (outcomes[0].message or "")
    assert outcomes[1].code == "32000" and outcomes[2].code == "INVALID_ID"
    assert not any(o.transient for o in outcomes)
    assert [r["name"] for r in fx.records("ScheduleObj")] == ["Credit hold 4"]


def test_a_transient_failure_leaves_that_task_and_the_rest_for_a_later_run(
    tasker: FxiaokeConnector, fx: FxiaokeSandbox
) -> None:
    account = fx.ids("AccountObj")[0]
    tasker.check_mapping()  # the token and describes first, so the fault meets the create
    fx.inject(-1, path="/data/create")
    outcomes = tasker.create_tasks([task(1, account, None), task(2, account, None)])
    assert [(o.ok, o.transient) for o in outcomes] == [(False, True), (False, True)]
    assert fx.records("ScheduleObj") == []  # a create of unknown outcome is not repeated within the call


def test_a_spent_quota_stops_an_untouched_batch_but_not_one_half_created(
    tasker: FxiaokeConnector, fx: FxiaokeSandbox
) -> None:
    account = fx.ids("AccountObj")[0]
    tasker.check_mapping()
    fx.inject(30002, path="/data/create")
    with pytest.raises(QuotaExhausted):
        tasker.create_tasks([task(1, account, None)])
    fx.quota.used = fx.quota.limit - 1  # the day's packs have room for one more call
    first, second, third = tasker.create_tasks([task(2, account, None), task(3, account, None), task(4, account, None)])
    assert first.ok and not second.ok and second.transient and third.transient  # created ones are reported
    fx.reset_limits()
    [later] = tasker.create_tasks([task(3, account, None)])
    assert later.ok and [r["name"] for r in fx.records("ScheduleObj")] == ["Credit hold 2", "Credit hold 3"]
