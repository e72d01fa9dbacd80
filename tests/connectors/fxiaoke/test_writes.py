"""Write-back against the sandbox over HTTPS: one update per record, no approval flow, per-record
outcomes, read-back, and the fields an admin must create."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connectors.base import ConnectorContext, FieldSpec, RecordWrite
from connectors.errors import NotificationRejected
from connectors.fxiaoke.connector import FxiaokeConnector
from connectors.registry import make_connector
from sandbox.fxiaoke import FxiaokeSandbox
from tests.connectors.fxiaoke.conftest import ConnectorFactory, sandbox_settings

UPDATE = "/cgi/crm/v2/data/update"


@pytest.fixture
def writer(connect: ConnectorFactory, writeback_fields: dict[str, str]) -> FxiaokeConnector:
    return connect(writeback={"object": "AccountObj", "fields": writeback_fields})


def decision_values(fields: dict[str, str]) -> dict[str, object]:
    return {
        fields["credit_limit"]: Decimal("250000"),
        fields["score"]: 72,
        fields["grade"]: "B",
        fields["reasons"]: "LATE_PAYER: pays 31–60 days late (-8)\nTENURE: customer for 5+ years (+4)",
        fields["next_review_on"]: date(2027, 1, 31),
    }


def test_a_write_lands_without_starting_the_approval_flow_or_workflows(
    writer: FxiaokeConnector, fx: FxiaokeSandbox, writeback_fields: dict[str, str]
) -> None:
    account = fx.ids("AccountObj")[0]
    [outcome] = writer.push([RecordWrite(account, decision_values(writeback_fields))])
    assert outcome.ok, outcome
    stored = fx.get_record("AccountObj", account) or {}
    assert stored[writeback_fields["credit_limit"]] == "250000.00"
    assert stored["life_status"] == "normal" and fx.pending_approvals() == []  # AccountObj has an edit approval flow
    assert fx.workflow_log == []
    assert fx.calls.count("POST", UPDATE) == 1


def test_what_was_written_reads_back_equal(
    writer: FxiaokeConnector, fx: FxiaokeSandbox, writeback_fields: dict[str, str]
) -> None:
    account, untouched = fx.ids("AccountObj")[:2]
    values = decision_values(writeback_fields)
    writer.push([RecordWrite(account, values)])
    read = writer.fetch_written_values([account, untouched, "f" * 24])
    assert set(read) == {account, untouched}
    assert read[account] == {
        writeback_fields["credit_limit"]: "250000.00",
        writeback_fields["score"]: "72",
        writeback_fields["grade"]: "B",  # by label, as written
        writeback_fields["reasons"]: values[writeback_fields["reasons"]],
        writeback_fields["next_review_on"]: "2027-01-31",
    }
    assert set(read[untouched].values()) == {None}


def test_each_record_has_its_own_outcome_and_call(
    writer: FxiaokeConnector, fx: FxiaokeSandbox, writeback_fields: dict[str, str]
) -> None:
    refused, fine, gone = [*fx.ids("AccountObj")[:2], "0" * 24]
    fx.reject_next_write("AccountObj", refused, "审计期间信用字段锁定")
    grade = writeback_fields["grade"]
    outcomes = writer.push(
        [RecordWrite(refused, {grade: "A"}), RecordWrite(fine, {grade: "C"}), RecordWrite(gone, {grade: "C"})]
    )
    assert [(o.crm_id, o.ok, o.code) for o in outcomes] == [
        (refused, False, "32000"),
        (fine, True, None),
        (gone, False, "32000"),
    ]
    assert outcomes[0].message == "审计期间信用字段锁定" and not outcomes[0].transient
    assert fx.calls.count("POST", UPDATE) == 3


def test_values_the_field_cannot_take_are_refused_without_a_call(
    writer: FxiaokeConnector, fx: FxiaokeSandbox, writeback_fields: dict[str, str]
) -> None:
    account = fx.ids("AccountObj")[0]
    outcomes = writer.push(
        [
            RecordWrite(account, {writeback_fields["grade"]: "Z"}),
            RecordWrite(account, {"field_absent__c": "1"}),
            RecordWrite(account, {"last_modified_time": 1}),
        ]
    )
    assert [o.code for o in outcomes] == ["INVALID_VALUE", "FIELD_MISSING", "FIELD_READONLY"]
    assert fx.calls.count("POST", UPDATE) == 0


def test_a_transient_failure_of_a_write_is_reported_for_a_later_retry(
    writer: FxiaokeConnector, fx: FxiaokeSandbox, writeback_fields: dict[str, str]
) -> None:
    fx.inject(-1, path="/data/update")
    account = fx.ids("AccountObj")[0]
    [outcome] = writer.push([RecordWrite(account, {writeback_fields["score"]: 60})])
    assert (outcome.ok, outcome.transient) == (False, True)
    assert fx.calls.count("POST", UPDATE) == 1  # a write of unknown outcome is not repeated at once


def test_workflows_fire_when_the_source_asks_for_them(
    connect: ConnectorFactory, fx: FxiaokeSandbox, writeback_fields: dict[str, str]
) -> None:
    writer = connect(writeback={"object": "AccountObj", "fields": writeback_fields}, trigger_workflow=True)
    account = fx.ids("AccountObj")[0]
    writer.push([RecordWrite(account, {writeback_fields["score"]: 60})])
    assert fx.workflow_log == [("AccountObj", account, "update")] and fx.pending_approvals() == []


def test_missing_write_back_fields_are_for_the_admin_then_check_verifies_them(
    connect: ConnectorFactory, fx: FxiaokeSandbox
) -> None:
    wanted = {"credit_limit": "Credit_Limit__c", "grade": "Credit_Grade__c"}
    specs = [
        FieldSpec("credit_limit", "Credit_Limit__c", "Credit Limit", "currency"),
        FieldSpec("grade", "Credit_Grade__c", "Credit Grade", "picklist", picklist_values=("A", "B", "C", "D", "E")),
    ]
    before = connect(writeback={"object": "AccountObj", "fields": wanted})
    setups = before.create_fields(specs)
    assert [s.outcome for s in setups] == ["manual", "manual"]
    assert "金额 (currency)" in setups[0].message and "'Credit Limit'" in setups[0].message
    assert "fields.grade" in setups[1].message and "A, B, C, D, E" in setups[1].message
    assert len(before.check_mapping()) == 2

    limit = fx.create_custom_field("AccountObj", "Credit Limit", "currency")
    grade = fx.create_custom_field("AccountObj", "Credit Grade", "select_one", ("A", "B", "C", "D", "E"))
    found = before.create_fields(specs)
    assert [(s.outcome, s.name, s.message) for s in found] == [("exists", limit, ""), ("exists", grade, "")]
    after = connect(writeback={"object": "AccountObj", "fields": {"credit_limit": limit, "grade": grade}})
    assert after.check_mapping() == []


def test_a_field_of_the_wrong_kind_is_named_in_the_setup_report(connect: ConnectorFactory, fx: FxiaokeSandbox) -> None:
    fx.create_custom_field("AccountObj", "Credit Grade", "select_one", ("A", "B"))
    spec = FieldSpec("grade", "Credit_Grade__c", "Credit Grade", "picklist", picklist_values=("A", "B", "C"))
    [setup] = connect().create_fields([spec])
    assert setup.outcome == "exists" and "lacks the options C" in setup.message


def test_fxiaoke_has_no_push_api_to_accept(connect: ConnectorFactory) -> None:
    with pytest.raises(NotificationRejected) as refused:
        connect().parse_notification(b"{}", {})
    assert refused.value.status == 404
    assert "scheduled incremental sync" in refused.value.reason and "/webhooks/generic/fx" in refused.value.reason


def test_the_registry_builds_the_fxiaoke_connector(fx: FxiaokeSandbox) -> None:
    connector = make_connector("fx", sandbox_settings(fx), ConnectorContext("fx"))
    try:
        assert isinstance(connector, FxiaokeConnector) and connector.write_batch_size == 1
    finally:
        connector.close()
