"""The write-back fields crm-credit asks a CRM for: one `FieldSpec` per mapped Decision field.

CRM-neutral: each connector turns a spec into its own field type (Salesforce Currency, Zoho
currency, ...). Types follow what a rep reads: money as currency, grade and status as picklists
(so list views can filter on them), reasons and summary as long text.
"""

from __future__ import annotations

import re

from connectors.base import FieldSpec, WritebackMapping

MONEY = frozenset({"credit_limit", "exposure", "group_exposure", "available_credit", "overdue_amount"})
NUMBERS = frozenset(
    {"score", "utilization", "payment_terms_days", "max_days_past_due", "dso", "add", "paydex", "dunning_stage"}
)
DATES = frozenset({"last_review_on", "next_review_on", "downgraded_on"})
LONG_TEXT = frozenset({"reasons", "summary"})
PICKLISTS: dict[str, tuple[str, ...]] = {
    "grade": ("A", "B", "C", "D", "E"),
    "status": ("OK", "WATCH", "HOLD"),
}
LONG_TEXT_LENGTH = 32_768
TEXT_LENGTH = 255
CURRENCY_CODE_LENGTH = 3


def label_of(crm_field: str) -> str:
    """A readable label from an API name: Credit_Limit__c -> Credit Limit."""
    core = re.sub(r"__c$", "", crm_field)
    core = re.sub(r"^[A-Za-z0-9]+__", "", core)  # a managed-package namespace prefix
    return re.sub(r"[_\s]+", " ", core).strip() or crm_field


def spec_for(decision_key: str, crm_field: str) -> FieldSpec:
    """The field one Decision key needs."""
    label = label_of(crm_field)
    if decision_key in MONEY:
        return FieldSpec(decision_key, crm_field, label, "currency")
    if decision_key in NUMBERS:
        return FieldSpec(decision_key, crm_field, label, "number")
    if decision_key in DATES:
        return FieldSpec(decision_key, crm_field, label, "date")
    if decision_key in LONG_TEXT:
        return FieldSpec(decision_key, crm_field, label, "long_text", LONG_TEXT_LENGTH)
    if decision_key in PICKLISTS:
        return FieldSpec(decision_key, crm_field, label, "picklist", picklist_values=PICKLISTS[decision_key])
    if decision_key == "currency":
        return FieldSpec(decision_key, crm_field, label, "text", CURRENCY_CODE_LENGTH)
    return FieldSpec(decision_key, crm_field, label, "text", TEXT_LENGTH)


def specs_for(writeback: WritebackMapping | None) -> list[FieldSpec]:
    """Specs for every mapped write-back field, in mapping order."""
    if writeback is None:
        return []
    return [spec_for(key, crm_field) for key, crm_field in writeback.fields.items()]
