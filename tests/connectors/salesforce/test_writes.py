"""Write-back through sObject Collections: per-record outcomes in request order, local refusals,
values read back for reconciliation and with every account pull."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.base import RecordWrite, Window
from connectors.errors import ConfigError
from connectors.salesforce.writes import json_value
from sandbox.salesforce import SalesforceSandbox
from tests.connectors.salesforce.conftest import MakeConnector, connector_for


def test_outcomes_follow_request_order_and_a_rejection_does_not_stop_the_batch(
    box: SalesforceSandbox, make: MakeConnector
) -> None:
    first, refused, last = box.ids("Account")[:3]
    box.reject_next_write(record_id=refused, sobject="Account", message="Credit fields are locked")
    writes = [
        RecordWrite(a, {"Credit_Score__c": 70 + i, "Credit_Grade__c": "B"})
        for i, a in enumerate([first, refused, last])
    ]
    outcomes = make().push(writes)
    assert [(o.crm_id, o.ok) for o in outcomes] == [(first, True), (refused, False), (last, True)]
    assert outcomes[1].code == "FIELD_CUSTOM_VALIDATION_EXCEPTION" and outcomes[1].message == "Credit fields are locked"
    assert not outcomes[1].transient
    assert box.get_record("Account", last)["Credit_Score__c"] == 72  # type: ignore[index]
    assert box.calls.count("PATCH", "/composite/sobjects") == 1


def test_a_locked_row_is_a_transient_failure(box: SalesforceSandbox, make: MakeConnector) -> None:
    account = box.ids("Account")[3]
    box.reject_next_write(record_id=account, code="UNABLE_TO_LOCK_ROW", message="unable to obtain exclusive access")
    (outcome,) = make().push([RecordWrite(account, {"Credit_Score__c": 50})])
    assert outcome.code == "UNABLE_TO_LOCK_ROW" and outcome.transient


def test_a_deleted_account_is_rejected_in_its_position(box: SalesforceSandbox, make: MakeConnector) -> None:
    gone = box.create_record("Account", {"Name": "Short-lived Ltd"})
    box.delete_record("Account", gone)
    keep = box.ids("Account")[4]
    outcomes = make().push([RecordWrite(gone, {"Credit_Score__c": 1}), RecordWrite(keep, {"Credit_Score__c": 2})])
    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].code == "ENTITY_IS_DELETED"


def test_a_value_outside_a_restricted_picklist_is_refused_without_a_call(
    box: SalesforceSandbox, make: MakeConnector
) -> None:
    account = box.ids("Account")[5]
    connector = make()
    connector.check_mapping()
    box.calls.clear()
    (outcome,) = connector.push([RecordWrite(account, {"Credit_Grade__c": "F"})])
    assert outcome.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" and "A, B, C, D, E" in (outcome.message or "")
    assert box.calls.count("PATCH", "/composite/sobjects") == 0


def test_a_write_to_a_field_the_org_lacks_stops_the_push_before_any_call(
    box: SalesforceSandbox, make: MakeConnector
) -> None:
    connector = make(writeback={"object": "Account", "fields": {"score": "Credit_Score__c", "dso": "Credit_DSO__c"}})
    problems = connector.check_mapping()
    assert any("Credit_DSO__c" in p and "setup-fields" in p for p in problems)
    box.calls.clear()
    with pytest.raises(ConfigError, match="Credit_DSO__c"):
        connector.push([RecordWrite(box.ids("Account")[0], {"Credit_DSO__c": 40})])
    assert box.calls.count("PATCH", "/composite/sobjects") == 0


def test_more_than_200_writes_go_in_calls_of_200(fresh: SalesforceSandbox) -> None:
    accounts = [fresh.create_record("Account", {"Name": f"Bulk {i}"}) for i in range(201)]
    outcomes = connector_for(fresh).push([RecordWrite(a, {"Credit_Score__c": 40}) for a in accounts])
    assert len(outcomes) == 201 and all(o.ok for o in outcomes)
    assert fresh.calls.count("PATCH", "/composite/sobjects") == 2


def test_written_values_are_read_back_by_id_in_chunks_that_fit_a_url(fresh: SalesforceSandbox) -> None:
    accounts = [fresh.create_record("Account", {"Name": f"Reconcile {i}", "Credit_Score__c": i}) for i in range(600)]
    values = connector_for(fresh).fetch_written_values(accounts)
    assert len(values) == 600 and values[accounts[7]]["Credit_Score__c"] == 7
    assert values[accounts[7]]["Credit_Grade__c"] is None
    assert fresh.calls.count("GET", "/query") >= 2


def test_an_account_pull_carries_the_write_back_fields(box: SalesforceSandbox, make: MakeConnector) -> None:
    account = box.ids("Account")[6]
    make().push(
        [RecordWrite(account, {"Credit_Limit__c": Decimal("125000"), "Credit_Next_Review__c": date(2027, 1, 4)})]
    )
    records = {r.crm_id: r for r in make().pull_changed("account", Window(None, datetime.now(UTC)))}
    assert records[account].fields["Credit_Limit__c"] == 125000
    assert records[account].fields["Credit_Next_Review__c"] == "2027-01-04"


def test_values_are_sent_in_salesforce_json_forms() -> None:
    assert json_value(Decimal("125000.50")) == 125000.5
    assert json_value(Decimal("12345678901234567.89")) == "12345678901234567.89"  # beyond a double: as text
    assert json_value(date(2027, 1, 4)) == "2027-01-04"
    assert json_value(datetime(2027, 1, 4, 9, 30, tzinfo=UTC)) == "2027-01-04T09:30:00.000Z"
    assert json_value(None) is None and json_value(True) is True and json_value(61) == 61
