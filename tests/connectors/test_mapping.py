"""Applying a mapping: plain fields, transforms, floats as their repr, errors naming field and value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.base import ObjectMapping, SourceRecord
from connectors.mapping import RecordMapper, parse_stamp, pull_fields
from connectors.salesforce.settings import SalesforceSource
from credit_core.errors import RecordError

STAMP = datetime(2026, 11, 1, tzinfo=UTC)
INVOICES = ObjectMapping.model_validate(
    {
        "object": "Invoice__c",
        "fields": {
            "account_crm_id": "Account__c",
            "amount": "Planned__c",
            "balance": "Planned__c",
            "currency": "Cur__c",
            "issued_on": "Issued__c",
            "due_on": "Due__c",
            "status": "Status__c",
        },
        "transforms": {
            "status": {"map": {"Offen": "open", "Bezahlt": "paid"}},
            "issued_on": {"date_format": "%d.%m.%Y"},
            "amount": {"scale": "1000"},
            "balance": {"scale": "1000", "minus": "Received__c"},
            "currency": {"constant": "EUR"},
        },
    }
)


def _row(**fields: object) -> SourceRecord:
    base: dict[str, object] = {
        "Account__c": "A1",
        "Planned__c": 1.1,
        "Received__c": 100.0,
        "Issued__c": "01.10.2026",
        "Due__c": "2026-10-31",
        "Status__c": "Offen",
    }
    base.update(fields)
    return SourceRecord("I1", STAMP, base)


def test_transforms_apply_in_order_and_floats_keep_the_digits_the_crm_meant() -> None:
    mapper = RecordMapper("invoice", "sf", INVOICES)
    values = mapper.values(_row())
    assert values["amount"] == Decimal("1100.0")  # 1.1 * 1000, not 1100.0000000000000888
    assert values["balance"] == Decimal("1000.0")  # minus the received 100
    assert values["issued_on"] == date(2026, 10, 1)
    assert (values["status"], values["currency"]) == ("open", "EUR")
    invoice = mapper.build(_row())
    assert invoice.balance == Decimal("1000.0") and invoice.account_crm_id == "A1"


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"Status__c": "Storniert"}, "status", "Storniert"),
        ({"Issued__c": "2026/10/01"}, "issued_on", "2026/10/01"),
        ({"Planned__c": "viel"}, "amount", "viel"),
        ({"Due__c": "soon"}, "due_on", "soon"),
    ],
)
def test_an_unmappable_value_raises_a_record_error_naming_field_and_value(
    fields: dict[str, object], field: str, value: object
) -> None:
    with pytest.raises(RecordError) as caught:
        RecordMapper("invoice", "sf", INVOICES).build(_row(**fields))
    assert (caught.value.field, caught.value.value, caught.value.crm_id) == (field, value, "I1")


def test_accounts_pulls_carry_the_write_back_fields_of_the_same_object() -> None:
    settings = SalesforceSource.model_validate(
        {
            "kind": "salesforce",
            "auth": {"method": "session", "session_id": "s"},
            "accounts": {"object": "Account", "fields": {"name": "Name"}},
            "writeback": {"object": "Account", "fields": {"credit_limit": "Credit_Limit__c", "score": "Score__c"}},
        }
    )
    assert pull_fields(settings, "account") == ["Name", "Credit_Limit__c", "Score__c"]


@pytest.mark.parametrize(
    "raw",
    ["2026-11-01T08:00:00.000+0000", "2026-11-01T16:00:00+08:00", "2026-11-01T08:00:00Z", 1793520000000],
)
def test_crm_stamps_become_aware_utc(raw: object) -> None:
    assert parse_stamp(raw) == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
