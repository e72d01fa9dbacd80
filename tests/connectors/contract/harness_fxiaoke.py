"""The contract harness for Fxiaoke: `FxiaokeSandbox` plus a source mapping its objects.

Customers are `AccountObj`, invoices 回款计划 `PaymentPlanObj` (balance = planned − received),
orders `SalesOrderObj` (uninvoiced amount in a custom field), payments 回款明细 `OrderPaymentObj`.
The write-back fields are created as an admin would in the console (Fxiaoke generates their names).
Two Fxiaoke facts shape the actions: deleting means 作废 (invalid, still readable) and, for a purge,
deleting from the recycle bin, after which the API keeps no trace (so the source reconciles ids on
every run here); and Fxiaoke reports no usage, so "the budget is reached" is the tenant's daily pack
running out (errorCode 30002).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.base import ObjectKind, WritebackMapping
from connectors.writeback_specs import specs_for
from sandbox.faults import Fault
from sandbox.fxiaoke import FxiaokeSandbox
from sandbox.fxiaoke.limits import PACK_SIZE
from sandbox.fxiaoke.values import decimal_of

OBJECTS: dict[ObjectKind, str] = {
    "account": "AccountObj",
    "invoice": "PaymentPlanObj",
    "order": "SalesOrderObj",
    "payment": "OrderPaymentObj",
}
BUDGET_SHARE = 0.5
DAILY_LIMIT = 10_000
# Placeholders name the Decision keys; the admin's fields get generated names.
WRITEBACK = {
    "credit_limit": "Credit_Limit__c",
    "available_credit": "Available_Credit__c",
    "score": "Credit_Score__c",
    "grade": "Credit_Grade__c",
    "status": "Credit_Status__c",
    "flags": "Credit_Flags__c",
    "reasons": "Credit_Reasons__c",
    "next_review_on": "Credit_Next_Review__c",
}
FIELD_TYPES = {
    "currency": "currency",
    "number": "number",
    "percent": "percentile",
    "text": "text",
    "long_text": "long_text",
    "date": "date",
    "picklist": "select_one",
}


def install_writeback_fields(fx: FxiaokeSandbox) -> dict[str, str]:
    """Create one custom field per write-back key, as the admin does; returns key -> generated name."""
    names = {}
    for spec in specs_for(WritebackMapping(object="AccountObj", fields=WRITEBACK)):
        names[spec.decision_key] = fx.create_custom_field(
            "AccountObj", spec.label, FIELD_TYPES[spec.type], spec.picklist_values, spec.length
        )
    return names


def source_table(fx: FxiaokeSandbox, writeback: dict[str, str]) -> dict[str, Any]:
    """A `[sources.NAME]` table mapping the sandbox tenant's objects."""
    custom = fx.custom_field_names()
    account_custom, order_custom = custom["AccountObj"], custom["SalesOrderObj"]
    industries = {o.value: o.label for o in fx.tenant.schema.objects["AccountObj"].fields["industry_level1"].options}
    return {
        "kind": "fxiaoke",
        "api_base": fx.url,
        "ca_bundle": str(fx.ca_pem),
        "api_daily_limit": DAILY_LIMIT,
        "api_budget_share": BUDGET_SHARE,
        "reconcile_interval_s": 0,
        "auth": {
            "app_id": fx.app_id,
            "app_secret": fx.app_secret,
            "permanent_code": fx.permanent_code,
            "user_id": fx.user_id,
        },
        "accounts": {
            "object": "AccountObj",
            "fields": {
                "name": "name",
                "industry": "industry_level1",
                "country": "country__r",
                "currency": "mc_currency",
                "parent_crm_id": "parent_account_id",
                "owner_crm_id": "owner",
                **account_custom,
            },
            "transforms": {"industry": {"map": industries}},
        },
        "invoices": {
            "object": "PaymentPlanObj",
            "fields": {
                "account_crm_id": "account_id",
                "number": "name",
                "issued_on": "create_time",
                "due_on": "plan_payment_time",
                "amount": "plan_payment_amount",
                "balance": "plan_payment_amount",
                "currency": "mc_currency",
                "status": "record_type",
            },
            "transforms": {
                "balance": {"minus": "actual_payment_amount"},
                "status": {"map": {"default__c": "", fx.credit_note_record_type: "credit_note"}},  # "": derived
            },
        },
        "orders": {
            "object": "SalesOrderObj",
            "fields": {
                "account_crm_id": "account_id",
                "amount": "order_amount",
                "uninvoiced_amount": order_custom["uninvoiced_amount"],
                "currency": "mc_currency",
            },
        },
        "payments": {
            "object": "OrderPaymentObj",
            "fields": {
                "account_crm_id": "account_id",
                "invoice_crm_id": "payment_plan_id",
                "amount": "payment_amount",
                "currency": "mc_currency",
                "received_on": "payment_time",
            },
        },
        "writeback": {"object": "AccountObj", "fields": writeback},
    }


class FxiaokeHarness:
    """A started sandbox tenant with the credit fields created by its admin."""

    kind = "fxiaoke"

    def __init__(self, accounts: int, seed: int = 5) -> None:
        self.fx = FxiaokeSandbox(accounts=accounts, seed=seed).start()
        self.writeback = install_writeback_fields(self.fx)
        self.writeback_fields = tuple(self.writeback.values())

    def source_table(self) -> dict[str, Any]:
        """The source table for this sandbox."""
        return source_table(self.fx, self.writeback)

    def live_ids(self, kind: ObjectKind) -> list[str]:
        """Records of a kind that are in force (作废 ones are deleted)."""
        return [r["_id"] for r in self.fx.records(OBJECTS[kind]) if r.get("life_status") != "invalid"]

    def open_invoice(self) -> tuple[str, str]:
        """A payment plan with money outstanding, and its customer."""
        for plan in self.fx.records("PaymentPlanObj"):
            if plan["life_status"] == "normal" and plan["record_type"] == "default__c" and _outstanding(plan) > 0:
                return str(plan["_id"]), str(plan["account_id"])
        raise LookupError("no open payment plan")

    def pay_invoice(self, invoice_id: str) -> None:
        """A finance user records the receipt (回款) and its detail (回款明细) against the plan."""
        pay_invoice(self.fx, invoice_id)

    def rename_account(self, account_id: str, name: str) -> None:
        """A rep renames the customer."""
        self.fx.update_record("AccountObj", account_id, {"name": name})

    def delete(self, kind: ObjectKind, crm_id: str, purge: bool = False) -> None:
        """作废 (into the recycle bin); `purge` then deletes it from the recycle bin for good."""
        self.fx.delete_record(OBJECTS[kind], crm_id, hard=purge)

    def expire_auth(self) -> None:
        """Invalidate every issued token."""
        self.fx.expire_tokens()

    def fail_next_calls(self, status: int, times: int) -> None:
        """429 becomes errorCode 14001 in an HTTP 200; 503 is the load balancer's bare answer."""
        self.fx.faults.add(Fault(status, times=times, path="/cgi/crm/"))

    def reject_next_write(self, account_id: str, message: str) -> None:
        """A validation rule refuses the next API update of this customer."""
        self.fx.reject_next_write("AccountObj", account_id, message)

    def leave_calls(self, calls: int) -> None:
        """The tenant's daily pack runs out after `calls` more calls (Fxiaoke reports no usage)."""
        self.fx.quota.limit = self.fx.quota.used + calls

    def lift_budget(self) -> None:
        """A new day's pack."""
        self.fx.quota.limit, self.fx.quota.used = PACK_SIZE, 0

    def written(self, account_id: str) -> dict[str, Any]:
        """The write-back fields of one customer, select options by label as a person reads them."""
        record = self.fx.get_record("AccountObj", account_id) or {}
        fields = self.fx.tenant.schema.objects["AccountObj"].fields
        shown: dict[str, Any] = {}
        for name in self.writeback_fields:
            value = record.get(name)
            option = fields[name].option(value) if isinstance(value, str) and fields[name].options else None
            shown[name] = option.label if option else value
        return shown

    def write_calls(self) -> int:
        """data/update calls so far (one per customer written)."""
        return self.fx.calls.count("POST", "/data/update")

    def close(self) -> None:
        """Stop the sandbox."""
        self.fx.stop()


def pay_invoice(fx: FxiaokeSandbox, invoice_id: str) -> str:
    """Record a receipt and its detail for what a payment plan still lacks (the plan rolls it up);
    returns the detail's id."""
    plan = fx.get_record("PaymentPlanObj", invoice_id) or {}
    amount, today = _outstanding(plan), datetime.now(UTC).date()
    common = {"account_id": plan["account_id"], "payment_amount": amount, "payment_time": today}
    common["mc_currency"] = plan["mc_currency"]
    payment = fx.create_record("PaymentObj", {"name": f"HK-{invoice_id[:8]}", **common})
    detail = {"name": f"HKMX-{invoice_id[:8]}", "payment_id": payment, "payment_plan_id": invoice_id, **common}
    return fx.create_record("OrderPaymentObj", detail)


def _outstanding(plan: dict[str, Any]) -> Decimal:
    planned = decimal_of(plan.get("plan_payment_amount")) or Decimal(0)
    return planned - (decimal_of(plan.get("actual_payment_amount")) or Decimal(0))


def open_harness(accounts: int) -> FxiaokeHarness:
    """The contract suite's entry point."""
    return FxiaokeHarness(accounts)
