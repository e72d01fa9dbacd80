"""sObject resources through simple-salesforce: describe, CRUD, stamps, updated/ and deleted/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest, SalesforceResourceNotFound, format_soql

from sandbox.salesforce import SalesforceSandbox


def test_global_describe_lists_the_objects_with_key_prefixes(sf: Salesforce) -> None:
    described = {o["name"]: o for o in sf.describe()["sobjects"]}
    assert {"Account", "Invoice__c", "Order", "Payment__c", "User", "Task", "FieldPermissions"} <= set(described)
    assert described["Account"]["keyPrefix"] == "001"
    assert described["Invoice__c"]["custom"] is True
    assert described["Account"]["queryable"] is True


def test_account_describe_reports_types_picklists_and_relationships(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert fields["Industry"]["type"] == "picklist"
    assert len(fields["Industry"]["picklistValues"]) == 32
    assert fields["ParentId"]["referenceTo"] == ["Account"]
    assert fields["ParentId"]["relationshipName"] == "Parent"
    assert fields["AnnualRevenue"]["type"] == "currency"
    assert fields["Total_Assets__c"]["custom"] is True
    assert fields["SystemModstamp"]["updateable"] is False
    assert fields["CurrencyIsoCode"]["restrictedPicklist"] is True
    assert "Credit_Limit__c" not in fields  # write-back fields exist only once created through Tooling
    invoice = {f["name"]: f for f in sf.Invoice__c.describe()["fields"]}
    assert invoice["Account__c"]["relationshipName"] == "Account__r"
    assert [p["value"] for p in invoice["Status__c"]["picklistValues"]] == ["Open", "Paid", "Cancelled", "Credit"]


def test_an_update_moves_both_stamps_but_never_past_the_clock(box: SalesforceSandbox, sf: Salesforce) -> None:
    account = box.ids("Account")[5]
    before = box.get_record("Account", account)
    assert sf.Account.update(account, {"Description": "watch list"}) == 204
    after = box.get_record("Account", account)
    assert before is not None and after is not None
    assert after["Description"] == "watch list"
    assert after["SystemModstamp"] > before["SystemModstamp"]  # type: ignore[operator]
    assert after["LastModifiedDate"] == after["SystemModstamp"]
    assert after["SystemModstamp"] <= datetime.now(UTC)  # type: ignore[operator]
    assert after["LastModifiedById"] == box.org.api_user_id


def test_an_unchanged_write_still_moves_the_stamp(box: SalesforceSandbox, sf: Salesforce) -> None:
    invoice = box.ids("Invoice__c")[7]
    first = sf.Invoice__c.get(invoice)
    sf.Invoice__c.update(invoice, {"Status__c": first["Status__c"]})
    assert sf.Invoice__c.get(invoice)["SystemModstamp"] >= first["SystemModstamp"]
    assert box.changes[-1].record_id == invoice


def test_create_get_and_delete_round_trip(box: SalesforceSandbox, sf: Salesforce) -> None:
    account = box.ids("Account")[0]
    created = sf.Invoice__c.create(
        {
            "Name": "INV-NEW-1",
            "Account__c": account,
            "Amount__c": 1250.5,
            "Invoice_Date__c": "2026-06-01",
            "Due_Date__c": "2026-07-01",
            "CurrencyIsoCode": "EUR",
        }
    )
    assert created["success"] is True and created["id"].startswith("a0B")
    record = sf.Invoice__c.get(created["id"])
    assert record["Amount__c"] == 1250.5
    assert record["Status__c"] == "Open"  # the picklist default
    assert record["OwnerId"] == box.org.api_user_id
    assert sf.Invoice__c.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Invoice__c.get(created["id"])
    assert caught.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"Bogus__c": 1}, "INVALID_FIELD"),
        ({"SystemModstamp": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"CurrencyIsoCode": "JPY"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"NumberOfEmployees": "many"}, "JSON_PARSER_ERROR"),
        ({"Financials_As_Of__c": "2026/01/01"}, "JSON_PARSER_ERROR"),
        ({"Name": "x" * 256}, "STRING_TOO_LONG"),
        ({"Name": None}, "REQUIRED_FIELD_MISSING"),
        ({"ParentId": "003000000000000AAA"}, "MALFORMED_ID"),
        ({"AnnualRevenue": 1e19}, "NUMBER_OUTSIDE_VALID_RANGE"),
    ],
)
def test_bad_writes_are_refused_with_salesforce_codes(
    box: SalesforceSandbox, sf: Salesforce, values: dict[str, object], code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update(box.ids("Account")[1], values)
    assert caught.value.content[0]["errorCode"] == code


def test_a_restricted_picklist_refuses_unknown_values(box: SalesforceSandbox, sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Invoice__c.update(box.ids("Invoice__c")[0], {"Status__c": "Overdue"})
    assert caught.value.content == [
        {
            "message": "Status: bad value for restricted picklist field: Overdue",
            "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "fields": ["Status__c"],
        }
    ]


def test_validation_rules_reject_writes(box: SalesforceSandbox, sf: Salesforce) -> None:
    box.add_validation_rule(
        "Account",
        "Revenue_Cap",
        lambda r: (r["AnnualRevenue"] or 0) > Decimal("5e9"),
        "Annual revenue looks wrong",
        field="AnnualRevenue",
    )
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update(box.ids("Account")[2], {"AnnualRevenue": 6e9})
    assert caught.value.content[0] == {
        "message": "Annual revenue looks wrong",
        "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "fields": ["AnnualRevenue"],
    }
    assert sf.Account.update(box.ids("Account")[2], {"AnnualRevenue": 4e9}) == 204


def test_updated_and_deleted_report_changes_in_the_window(box: SalesforceSandbox, sf: Salesforce) -> None:
    # Committed three minutes ago: Salesforce covers windows only up to the last whole minute.
    committed = datetime.now(UTC) - timedelta(minutes=3)
    start = committed - timedelta(minutes=2)
    touched, removed, recent = box.ids("Order")[:3]
    box.update_record("Order", touched, {"Description": "rush"}, at=committed)
    box.delete_record("Order", removed, at=committed)
    box.update_record("Order", recent, {"Description": "now"})
    end = datetime.now(UTC) + timedelta(minutes=2)
    updated = sf.Order.updated(start, end)
    assert touched in updated["ids"] and removed not in updated["ids"]
    covered_until = datetime.strptime(updated["latestDateCovered"], "%Y-%m-%dT%H:%M:%S.000%z")
    recent_stamp = box.get_record("Order", recent)["SystemModstamp"]  # type: ignore[index]
    assert (recent in updated["ids"]) == (recent_stamp < covered_until)  # the current minute is not covered yet
    assert updated["latestDateCovered"].endswith(":00.000+0000")
    deleted = sf.Order.deleted(start, end)
    assert [r["id"] for r in deleted["deletedRecords"]] == [removed]
    assert {"earliestDateAvailable", "latestDateCovered"} <= set(deleted)


def test_updated_refuses_a_window_older_than_30_days(box: SalesforceSandbox, sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.updated(datetime.now(UTC) - timedelta(days=40), datetime.now(UTC))
    assert caught.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_get_with_fields_returns_only_those(box: SalesforceSandbox, sf: Salesforce) -> None:
    record = sf.Account.get(box.ids("Account")[0], params={"fields": "Name,Industry"})
    assert list(record) == ["attributes", "Name", "Industry"]


def test_a_hard_delete_leaves_no_row_but_is_still_reported_deleted(box: SalesforceSandbox, sf: Salesforce) -> None:
    payment = box.ids("Payment__c")[-1]
    box.hard_delete("Payment__c", payment)
    assert (
        sf.query_all(format_soql("SELECT Id FROM Payment__c WHERE Id = {}", payment), include_deleted=True)["records"]
        == []
    )
    assert payment not in box.ids("Payment__c", include_deleted=True)
    assert payment in {record_id for record_id, _ in box.org.tables["payment__c"].deleted_log}


def test_deleting_an_account_clears_custom_lookups_to_it(box: SalesforceSandbox, sf: Salesforce) -> None:
    account = box.ids("Account")[40]
    invoices = [
        r["Id"] for r in sf.query(format_soql("SELECT Id FROM Invoice__c WHERE Account__c = {}", account))["records"]
    ]
    assert invoices
    sf.Account.delete(account)
    assert all(box.get_record("Invoice__c", i)["Account__c"] is None for i in invoices)  # type: ignore[index]


def test_a_value_that_is_not_an_id_reads_as_an_unknown_external_id(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get("a0B000000000000AAA")
    assert caught.value.content[0]["message"].startswith("Provided external ID field does not exist")


def test_basic_info_of_an_object(sf: Salesforce) -> None:
    info = sf.Invoice__c.metadata()
    assert info["objectDescribe"]["name"] == "Invoice__c"
    assert info["objectDescribe"]["urls"]["rowTemplate"] == "/services/data/v59.0/sobjects/Invoice__c/{ID}"
