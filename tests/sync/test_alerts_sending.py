"""Sending queued owner tasks: a refused task is recorded with the CRM's words and the rest land; a CRM that
is down keeps tasks pending for the next run; a connector without tasks (a plug-in registered for another
kind: every packaged CRM takes them) marks them unsupported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from connectors.errors import QuotaExhausted
from credit_core.alerts import TaskDraft
from sandbox.faults import Fault
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store
from sync.store.alerts import list_tasks, save_tasks
from sync.tasks import send_tasks
from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness
from tests.connectors.contract.harness_salesforce import SalesforceHarness

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def salesforce() -> Iterator[SalesforceHarness]:
    harness = SalesforceHarness(accounts=2)
    try:
        yield harness
    finally:
        harness.close()


def _draft(account_id: str, owner: str | None, key: str) -> TaskDraft:
    return TaskDraft("status", account_id, owner, f"Credit hold: {key}", "Why: PAST_DUE_90", date(2026, 11, 28),
                     "High", key)  # fmt: skip


def _engine(harness: SalesforceHarness | FxiaokeHarness, store: Store, source: str = "sf") -> SyncEngine:
    config = AppConfig.model_validate({"sources": {source: harness.source_table()}})
    return SyncEngine(config, store, sleep=lambda seconds: None)


def test_a_refused_task_keeps_the_crm_message_and_the_others_land(salesforce: SalesforceHarness, store: Store) -> None:
    account_id = salesforce.box.ids("Account")[0]
    owner = str((salesforce.box.get_record("Account", account_id) or {})["OwnerId"])
    with store.write() as conn:
        save_tasks(conn, "sf", [_draft(account_id, owner, "good"), _draft(account_id, "005000000000000AAA", "bad"),
                                _draft(account_id, None, "default-owner")], NOW)  # fmt: skip
        assert save_tasks(conn, "sf", [_draft(account_id, owner, "good")], NOW) == 0  # the same change again
    engine = _engine(salesforce, store)
    report = send_tasks(store, engine.connector("sf"), "sf", lambda: NOW)
    engine.close()
    assert (report.sent, report.failed, report.waiting) == (2, 1, 0)
    with store.read() as conn:
        good, bad, default = list_tasks(conn, "sf")
    assert good.state == "sent" and good.task_crm_id and good.task_crm_id.startswith("00T")
    assert bad.state == "failed" and bad.message and "INVALID_CROSS_REFERENCE_KEY" in bad.message
    assert default.state == "sent"
    assert salesforce.box.calls.count("POST", "/sobjects/Task") == 3


def test_tasks_wait_while_the_crm_is_down_and_go_out_on_the_next_run(
    salesforce: SalesforceHarness, store: Store
) -> None:
    account_id = salesforce.box.ids("Account")[0]
    with store.write() as conn:
        save_tasks(conn, "sf", [_draft(account_id, None, "one"), _draft(account_id, None, "two")], NOW)
    engine = _engine(salesforce, store)
    engine.connector("sf").check_mapping()  # log in before the outage
    salesforce.box.faults.add(Fault(503, times=50, path="/sobjects/Task"))
    first = send_tasks(store, engine.connector("sf"), "sf", lambda: NOW)
    with store.read() as conn:
        assert [t.state for t in list_tasks(conn, "sf")] == ["pending", "pending"]
    salesforce.box.faults.clear()
    second = send_tasks(store, engine.connector("sf"), "sf", lambda: NOW)
    engine.close()
    assert first.sent == 0 and first.waiting >= 1 and second.sent == 2
    with store.read() as conn:
        assert [t.state for t in list_tasks(conn, "sf")] == ["sent", "sent"]


def test_fxiaoke_tasks_are_sent_as_schedules_and_a_refused_one_keeps_the_crm_message(store: Store) -> None:
    harness = FxiaokeHarness(accounts=2)
    account_id = harness.fx.ids("AccountObj")[0]
    owner = (harness.fx.get_record("AccountObj", account_id) or {})["owner"][0]
    with store.write() as conn:
        save_tasks(conn, "fx", [_draft(account_id, owner, "good"), _draft(account_id, "424242", "bad")], NOW)
    engine = _engine(harness, store, "fx")
    try:
        report = send_tasks(store, engine.connector("fx"), "fx", lambda: NOW)
    finally:
        engine.close()
        harness.close()
    assert (report.sent, report.failed, report.unsupported) == (1, 1, 0)
    with store.read() as conn:
        good, bad = list_tasks(conn, "fx")
    assert good.state == "sent" and good.task_crm_id and harness.fx.get_record("ScheduleObj", good.task_crm_id)
    assert bad.state == "failed" and bad.message and bad.message.startswith("32000") and "424242" in bad.message


class _NoTasks:
    kind = "plugin-crm"


def test_a_crm_without_tasks_marks_them_unsupported(store: Store) -> None:
    with store.write() as conn:
        save_tasks(conn, "fx", [_draft("A1", None, "k")], NOW)
    report = send_tasks(store, _NoTasks(), "fx", lambda: NOW)  # type: ignore[arg-type]
    with store.read() as conn:
        [task] = list_tasks(conn, "fx")
    assert report.unsupported == 1 and task.state == "unsupported" and "plugin-crm" in (task.message or "")


def test_a_spent_api_budget_stops_sending_and_leaves_the_tasks_pending(
    salesforce: SalesforceHarness, store: Store
) -> None:
    account_id = salesforce.box.ids("Account")[0]
    with store.write() as conn:
        save_tasks(conn, "sf", [_draft(account_id, None, "one")], NOW)
    engine = _engine(salesforce, store)
    salesforce.leave_calls(0)
    with pytest.raises(QuotaExhausted):  # the first answer tells the connector the org's usage
        engine.connector("sf").check_mapping()
    with pytest.raises(QuotaExhausted):
        send_tasks(store, engine.connector("sf"), "sf", lambda: NOW)
    with store.read() as conn:
        assert [t.state for t in list_tasks(conn, "sf")] == ["pending"]
    salesforce.lift_budget()
    engine.close()
    engine = _engine(salesforce, store)
    assert send_tasks(store, engine.connector("sf"), "sf", lambda: NOW).sent == 1
    engine.close()
