"""`suggest-mapping`: propose which CRM field feeds which canonical key, from describe output alone.

A field scores by its name (API name and label against the key's usual names, after dropping
`__c`, namespaces and punctuation) times how well its type fits (a due date wants a date field, an
amount a currency field). Each CRM field is used once per object, best matches first; matches below
`MIN_CONFIDENCE` are left for the admin. CRM-neutral: connectors only supply `describe`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from connectors.base import FieldInfo, ObjectKind, canonical_keys
from connectors.errors import CrmCreditError

MIN_CONFIDENCE = 0.5
# Objects to try per CRM kind and canonical kind, most likely first.
CANDIDATE_OBJECTS: dict[str, dict[ObjectKind, tuple[str, ...]]] = {
    "salesforce": {
        "account": ("Account",),
        "invoice": ("Invoice__c", "blng__Invoice__c", "Invoice"),
        "order": ("Order",),
        "payment": ("Payment__c", "blng__Payment__c"),
    },
    "zoho": {"account": ("Accounts",), "invoice": ("Invoices",), "order": ("Sales_Orders",)},
    # Fxiaoke: 回款计划 carries due dates, 回款明细 ties each receipt to its plan.
    "fxiaoke": {
        "account": ("AccountObj",),
        "invoice": ("PaymentPlanObj",),
        "order": ("SalesOrderObj",),
        "payment": ("OrderPaymentObj", "PaymentObj"),
    },
}
# Usual names of each key, beyond the key itself.
HINTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "accountname", "companyname"),
    "industry": ("industry", "industrylevel1"),
    "country": ("billingcountry", "country"),
    "currency": ("currencyisocode", "currency", "mccurrency"),
    "annual_revenue": ("annualrevenue", "revenue"),
    "employees": ("numberofemployees", "employees"),
    "established_on": ("yearstarted", "founded", "established"),
    "parent_crm_id": ("parentid", "parent", "parentaccount", "parentaccountid"),
    "owner_crm_id": ("ownerid", "owner"),
    "requested_limit": ("requestedcreditlimit", "requestedlimit"),
    "account_crm_id": ("account", "accountid", "accountname", "billingaccount"),
    "invoice_crm_id": ("invoice", "invoiceid", "paymentplanid"),
    "number": ("name", "invoicenumber", "number", "ordernumber"),
    "issued_on": ("invoicedate", "issuedate", "issued", "date"),
    "due_on": ("duedate", "due", "planpaymenttime"),
    "amount": ("amount", "totalamount", "total", "grandtotal", "planpaymentamount", "paymentamount"),
    "balance": ("balance", "balancedue", "openamount", "outstanding"),
    "paid_on": ("paidon", "paiddate", "paymentdate"),
    "status": ("status", "invoicestatus"),
    "uninvoiced_amount": ("uninvoicedamount", "unbilledamount"),
    "received_on": ("receivedon", "paymentdate", "received", "date", "paymenttime"),
}
_TYPE_GROUPS = {
    "money": {"currency", "double", "decimal", "number", "int", "integer", "percent", "percentile"},
    "date": {"date", "datetime", "date_time"},
    "link": {"reference", "lookup", "id", "ownerlookup", "object_reference", "employee"},
    "text": {"string", "text", "picklist", "textarea", "combobox", "email", "url", "phone", "autonumber"}
    | {"select_one", "long_text", "auto_number", "country"},  # Fxiaoke's own type names
}


def _group_of_key(key: str) -> str:
    leaf = key.split(".")[-1]
    if leaf.endswith("_crm_id"):
        return "link"
    if leaf.endswith("_on") or leaf == "as_of":
        return "date"
    if leaf in ("name", "industry", "country", "currency", "number", "status"):
        return "text"
    return "money"


def normalise(name: str) -> str:
    """`blng__Due_Date__c` -> `duedate`."""
    core = re.sub(r"__[cr]$", "", name)
    core = re.sub(r"^[A-Za-z0-9]+__", "", core)
    return re.sub(r"[^a-z0-9]", "", core.lower())


def name_score(key: str, info: FieldInfo) -> float:
    """How much the field's name and label look like the key (0–1)."""
    leaf = key.split(".")[-1]
    hints = {normalise(leaf), *HINTS.get(leaf, ())}
    best = 0.0
    for candidate in {normalise(info.name), normalise(info.label)}:
        for hint in hints:
            if candidate == hint:
                best = max(best, 1.0)
            elif hint and (candidate.endswith(hint) or candidate.startswith(hint)) and len(hint) >= 4:
                best = max(best, 0.8)
            else:
                best = max(best, 0.7 * difflib.SequenceMatcher(None, candidate, hint).ratio())
    return best


def type_score(key: str, info: FieldInfo) -> float:
    """1 when the field's type fits the key, 0.4 for text holding a date or number, else 0."""
    group = _group_of_key(key)
    kind = info.type.lower()
    if kind in _TYPE_GROUPS[group]:
        return 1.0
    if group in ("date", "money") and kind in ("string", "text"):
        return 0.4
    return 0.0


@dataclass(frozen=True)
class Suggestion:
    """One proposed `key = field` with its confidence."""

    key: str
    field: str
    confidence: float
    crm_type: str


def suggest_fields(kind: ObjectKind, fields: Sequence[FieldInfo], exclude: Collection[str] = ()) -> list[Suggestion]:
    """Best field per key (each field used once), confidence at least MIN_CONFIDENCE.

    `exclude` names fields never to propose: crm-credit's own write-back fields look like inputs
    (`Credit_Limit__c` resembles a requested limit) but feeding them back would read our own output.
    """
    scored = []
    candidates = [info for info in fields if info.name not in exclude]
    for key in sorted(canonical_keys(kind)):
        for info in candidates:
            confidence = round(name_score(key, info) * type_score(key, info), 2)
            if confidence >= MIN_CONFIDENCE:
                scored.append(Suggestion(key, info.name, confidence, info.type))
    chosen: dict[str, Suggestion] = {}
    used: set[str] = set()
    for item in sorted(scored, key=lambda s: (-s.confidence, s.key, s.field)):
        if item.key not in chosen and item.field not in used:
            chosen[item.key] = item
            used.add(item.field)
    return sorted(chosen.values(), key=lambda s: s.key)


def pick_object(
    kind: ObjectKind,
    candidates: Sequence[str],
    describe: Callable[[str], list[FieldInfo]],
    exclude: Collection[str] = (),
) -> tuple[str, list[Suggestion]] | None:
    """The candidate object whose fields match the most keys (objects that fail to describe are skipped)."""
    best: tuple[str, list[Suggestion]] | None = None
    for name in candidates:
        try:
            fields = describe(name)
        except CrmCreditError:  # an object the org lacks is simply not a candidate
            continue
        found = suggest_fields(kind, fields, exclude)
        if best is None or sum(s.confidence for s in found) > sum(s.confidence for s in best[1]):
            best = (name, found)
    return best


# Zoho's native picklists: invoices Created/Approved/Delivered/Cancelled, sales orders the same (a
# delivered order has been invoiced in Zoho's flow) [zoho.md §3].
_STATUS_WORDS = {
    "invoice": {"open": ("open", "posted", "unpaid", "sent", "overdue", "partially", "created", "approved",
                         "delivered"),
                "paid": ("paid",), "void": ("cancel", "void", "draft"), "credit_note": ("credit",)},
    "order": {"open": ("activated", "open", "draft", "booked", "created", "approved"),
              "invoiced": ("invoiced", "billed", "closed", "delivered"), "cancelled": ("cancel",)},
}  # fmt: skip


def status_map(kind: ObjectKind, values: Sequence[str]) -> dict[str, str]:
    """A guess at the value map from a status picklist to the canonical statuses."""
    words: Mapping[str, tuple[str, ...]] = _STATUS_WORDS.get(kind, {})
    guessed: dict[str, str] = {}
    for value in values:
        lowered = value.lower()
        for canonical, stems in words.items():
            if any(stem in lowered for stem in stems):
                guessed[value] = canonical
                break
    return guessed


# The write-back fields crm-credit proposes (setup-fields creates those that are missing).
DEFAULT_WRITEBACK: dict[str, dict[str, str]] = {
    "salesforce": {
        "credit_limit": "Credit_Limit__c",
        "available_credit": "Available_Credit__c",
        "score": "Credit_Score__c",
        "grade": "Credit_Grade__c",
        "status": "Credit_Status__c",
        "flags": "Credit_Flags__c",
        "reasons": "Credit_Reasons__c",
        "next_review_on": "Credit_Next_Review__c",
        "summary": "Credit_Summary__c",
    },
    # Zoho derives API names from labels ("Credit Limit" -> Credit_Limit); setup-fields reads them back.
    "zoho": {
        "credit_limit": "Credit_Limit",
        "available_credit": "Available_Credit",
        "score": "Credit_Score",
        "grade": "Credit_Grade",
        "status": "Credit_Status",
        "flags": "Credit_Flags",
        "reasons": "Credit_Reasons",
        "next_review_on": "Credit_Next_Review",
        "summary": "Credit_Summary",
    },
}
# Fxiaoke generates field names: these placeholders give setup-fields the labels the admin creates.
DEFAULT_WRITEBACK["fxiaoke"] = dict(DEFAULT_WRITEBACK["salesforce"])
