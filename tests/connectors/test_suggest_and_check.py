"""Mapping suggestions from describe output, the per-field check, and the write-back field specs."""

from __future__ import annotations

from connectors.base import FieldInfo, ObjectMapping, SourceSettings, WritebackMapping
from connectors.field_check import MISSING, NOT_ON_LAYOUT, NOT_WRITABLE, OK, check_fields
from connectors.suggest import normalise, status_map, suggest_fields
from connectors.writeback_specs import label_of, spec_for


def _field(name: str, kind: str, label: str = "", **extra: object) -> FieldInfo:
    return FieldInfo(name=name, label=label or name, type=kind, **extra)  # type: ignore[arg-type]


def test_names_lose_suffixes_namespaces_and_punctuation() -> None:
    assert normalise("blng__Due_Date__c") == "duedate"
    assert normalise("Invoice Date") == "invoicedate"


def test_invoice_fields_are_matched_by_name_and_type() -> None:
    fields = [
        _field("blng__Account__c", "reference"),
        _field("blng__DueDate__c", "date", "Due Date"),
        _field("blng__InvoiceDate__c", "date", "Invoice Date"),
        _field("blng__TotalAmount__c", "currency", "Total Amount"),
        _field("blng__Balance__c", "currency"),
        _field("blng__Notes__c", "textarea"),
        _field("Due_Text__c", "string", "Due"),
    ]
    found = {s.key: (s.field, s.confidence) for s in suggest_fields("invoice", fields)}
    assert found["due_on"] == ("blng__DueDate__c", 1.0)
    assert found["issued_on"][0] == "blng__InvoiceDate__c"
    assert found["amount"][0] == "blng__TotalAmount__c"
    assert found["account_crm_id"][0] == "blng__Account__c"
    assert "blng__Notes__c" not in {f for f, _c in found.values()}


def test_a_field_of_the_wrong_type_is_not_proposed() -> None:
    found = {s.key for s in suggest_fields("invoice", [_field("Due_Date__c", "boolean")])}
    assert "due_on" not in found


def test_status_values_are_guessed_onto_canonical_statuses() -> None:
    assert status_map("invoice", ["Open", "Paid", "Cancelled", "Credit", "Weird"]) == {
        "Open": "open", "Paid": "paid", "Cancelled": "void", "Credit": "credit_note"
    }  # fmt: skip


def _settings() -> SourceSettings:
    return SourceSettings(
        kind="x",
        accounts=ObjectMapping(object="Account", fields={"name": "Name", "industry": "Sector__c"}),
        writeback=WritebackMapping(
            object="Account",
            fields={
                "credit_limit": "Credit_Limit__c",
                "score": "Credit_Score__c",
                "grade": "Credit_Grade__c",
                "status": "Credit_Status__c",
            },
        ),
    )


def test_every_mapped_field_gets_a_status_and_each_object_is_described_once() -> None:
    described: list[str] = []

    def describe(crm_object: str) -> list[FieldInfo]:
        described.append(crm_object)
        return [
            _field("Name", "string", on_layout=True),
            _field("Credit_Limit__c", "currency", on_layout=True),
            _field("Credit_Score__c", "double", writable=False, on_layout=True),
            _field("Credit_Grade__c", "picklist", on_layout=False),
        ]

    lines = {(line.field, line.status) for line in check_fields(_settings(), describe)}
    assert lines == {
        ("Name", OK), ("Sector__c", MISSING), ("Credit_Limit__c", OK), ("Credit_Score__c", NOT_WRITABLE),
        ("Credit_Grade__c", NOT_ON_LAYOUT), ("Credit_Status__c", MISSING),
    }  # fmt: skip
    assert described == ["Account"]


def test_write_back_specs_follow_what_a_rep_reads() -> None:
    assert spec_for("credit_limit", "Credit_Limit__c").type == "currency"
    assert spec_for("grade", "Credit_Grade__c").picklist_values == ("A", "B", "C", "D", "E")
    assert spec_for("status", "Credit_Status__c").picklist_values == ("OK", "WATCH", "HOLD")
    assert spec_for("reasons", "Credit_Reasons__c").type == "long_text"
    assert spec_for("next_review_on", "Credit_Next_Review__c").type == "date"
    assert label_of("blng__Credit_Limit__c") == "Credit Limit"


def test_our_own_write_back_fields_are_never_proposed_as_inputs() -> None:
    fields = [
        FieldInfo(name="Credit_Limit__c", label="Credit Limit", type="currency"),
        FieldInfo(name="Requested_Credit_Limit__c", label="Requested Credit Limit", type="currency"),
    ]
    proposed = {s.key: s.field for s in suggest_fields("account", fields, exclude={"Credit_Limit__c"})}
    assert proposed["requested_limit"] == "Requested_Credit_Limit__c"
    assert "Credit_Limit__c" not in proposed.values()


def test_without_the_exclusion_our_field_would_look_like_a_requested_limit() -> None:
    fields = [FieldInfo(name="Credit_Limit__c", label="Credit Limit", type="currency")]
    assert {s.field for s in suggest_fields("account", fields)} == {"Credit_Limit__c"}
    assert suggest_fields("account", fields, exclude={"Credit_Limit__c"}) == []
