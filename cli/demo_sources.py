"""The demo's CRMs: sandbox orgs started on free loopback ports, and the config table of each.

The mappings are the ones an admin would write for these orgs (the sandboxes render the standard
objects plus the usual custom invoice fields). Credentials are the sandboxes' own, written into a
throw-away config in a temporary folder; nothing here is ever used against a real CRM.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

SF_WRITEBACK = {
    "credit_limit": "Credit_Limit__c",
    "available_credit": "Available_Credit__c",
    "score": "Credit_Score__c",
    "grade": "Credit_Grade__c",
    "status": "Credit_Status__c",
    "flags": "Credit_Flags__c",
    "reasons": "Credit_Reasons__c",
    "next_review_on": "Credit_Next_Review__c",
    "summary": "Credit_Summary__c",
    "request_status": "Credit_Request_Status__c",
}
ZOHO_WRITEBACK = {key: value.removesuffix("__c") for key, value in SF_WRITEBACK.items()}
FINANCIALS = (
    "total_assets",
    "total_liabilities",
    "current_assets",
    "current_liabilities",
    "retained_earnings",
    "ebit",
    "sales",
    "equity",
)


@dataclass
class DemoSource:
    """One started sandbox org and how crm-credit reaches it."""

    name: str
    kind: str
    box: Any
    table: dict[str, Any]
    objects: dict[str, str]  # canonical kind -> CRM object
    totals: dict[str, int] = field(default_factory=dict)  # canonical kind -> records in the org

    @property
    def label(self) -> str:
        """How the summary names this CRM."""
        return {"salesforce": "Salesforce", "zoho": "Zoho CRM", "fxiaoke": "Fxiaoke"}.get(self.kind, self.kind)

    def stop(self) -> None:
        """Stop the sandbox."""
        self.box.stop()


def connector_available(kind: str) -> bool:
    """Whether this installation has the connector for `kind`."""
    return importlib.util.find_spec(f"connectors.{kind}.connector") is not None


def _salesforce_table(box: Any) -> dict[str, Any]:
    creds = box.credentials
    accounts = {
        "name": "Name",
        "industry": "Industry",
        "country": "BillingCountry",
        "currency": "CurrencyIsoCode",
        "annual_revenue": "AnnualRevenue",
        "employees": "NumberOfEmployees",
        "established_on": "YearStarted",
        "parent_crm_id": "ParentId",
        "owner_crm_id": "OwnerId",
        "requested_limit": "Requested_Credit_Limit__c",
        "financials.as_of": "Financials_As_Of__c",
    }
    accounts.update({f"financials.{name}": f"{name.title()}__c" for name in FINANCIALS})
    accounts["financials.ebit"] = "EBIT__c"
    invoice_status = {"Open": "open", "Paid": "paid", "Cancelled": "void", "Credit": "credit_note"}
    order_status = {"Draft": "open", "Activated": "open", "Invoiced": "invoiced", "Cancelled": "cancelled"}
    return {
        "kind": "salesforce",
        "instance_url": box.url,
        "ca_bundle": str(box.ca_pem),
        # On loopback, REST query pages beat Bulk API 2.0 jobs at this size; a remote org's default is 10,000.
        "bulk_threshold": 50_000,
        "auth": {
            "method": "password",
            "login_url": box.url,
            "username": creds.username,
            "password": creds.password,
            "security_token": creds.security_token,
        },
        "accounts": {"object": "Account", "fields": accounts, "transforms": {"established_on": {"date_format": "%Y"}}},
        "invoices": {
            "object": "Invoice__c",
            "fields": {
                "account_crm_id": "Account__c",
                "number": "Name",
                "issued_on": "Invoice_Date__c",
                "due_on": "Due_Date__c",
                "amount": "Amount__c",
                "balance": "Balance__c",
                "paid_on": "Paid_On__c",
                "currency": "CurrencyIsoCode",
                "status": "Status__c",
            },
            "transforms": {"status": {"map": invoice_status}},
        },
        "orders": {
            "object": "Order",
            "fields": {
                "account_crm_id": "AccountId",
                "amount": "TotalAmount",
                "currency": "CurrencyIsoCode",
                "uninvoiced_amount": "Uninvoiced_Amount__c",
                "status": "Status",
            },
            "transforms": {"status": {"map": order_status}},
        },
        "payments": {
            "object": "Payment__c",
            "fields": {
                "account_crm_id": "Account__c",
                "invoice_crm_id": "Invoice__c",
                "amount": "Amount__c",
                "currency": "CurrencyIsoCode",
                "received_on": "Received_On__c",
            },
        },
        "writeback": {"object": "Account", "fields": dict(SF_WRITEBACK)},
    }


def start_salesforce(accounts: int, seed: int, folder: Path) -> DemoSource:
    """A Salesforce org with `accounts` customers."""
    from sandbox.salesforce import SalesforceSandbox

    box = SalesforceSandbox(accounts=accounts, seed=seed, tls_dir=folder / "tls-salesforce").start()
    objects = {"account": "Account", "invoice": "Invoice__c", "order": "Order", "payment": "Payment__c"}
    totals = {kind: len(box.ids(name)) for kind, name in objects.items()}
    return DemoSource("salesforce", "salesforce", box, _salesforce_table(box), objects, totals)


def _zoho_table(box: Any) -> dict[str, Any]:
    accounts = {
        "name": "Account_Name",
        "industry": "Industry",
        "country": "Billing_Country",
        "currency": "Currency",
        "annual_revenue": "Annual_Revenue",
        "employees": "Employees",
        "established_on": "Established_On",
        "parent_crm_id": "Parent_Account",
        "owner_crm_id": "Owner",
        "financials.as_of": "Financials_As_Of",
        "financials.sales": "Net_Sales",
        "financials.ebit": "EBIT",
    }
    for name in FINANCIALS:
        accounts.setdefault(f"financials.{name}", name.title())
    invoice_status = {
        "Created": "open",
        "Approved": "open",
        "Delivered": "open",
        "Paid": "paid",
        "Cancelled": "void",
        "Credit Note": "credit_note",
    }
    order_status = {"Created": "open", "Approved": "open", "Delivered": "invoiced", "Cancelled": "cancelled"}
    return {
        "kind": "zoho",
        "api_domain": box.url,
        "accounts_url": box.url,
        "ca_bundle": str(box.ca_pem),
        "api_daily_limit": 1_000_000,
        "channel_token": "demo-channel-token",
        "auth": {"client_id": box.client_id, "client_secret": box.client_secret, "refresh_token": box.refresh_token},
        "accounts": {"object": "Accounts", "fields": accounts},
        "invoices": {
            "object": "Invoices",
            "fields": {
                "account_crm_id": "Account_Name",
                "number": "Invoice_Number",
                "issued_on": "Invoice_Date",
                "due_on": "Due_Date",
                "amount": "Grand_Total",
                "balance": "Balance_Due",
                "paid_on": "Paid_On",
                "currency": "Currency",
                "status": "Status",
            },
            "transforms": {"status": {"map": invoice_status}},
        },
        "orders": {
            "object": "Sales_Orders",
            "fields": {
                "account_crm_id": "Account_Name",
                "amount": "Grand_Total",
                "currency": "Currency",
                "uninvoiced_amount": "Uninvoiced_Amount",
                "status": "Status",
            },
            "transforms": {"status": {"map": order_status}},
        },
        "writeback": {"object": "Accounts", "fields": dict(ZOHO_WRITEBACK)},
    }


def start_zoho(accounts: int, seed: int, folder: Path) -> DemoSource:
    """A Zoho CRM org with `accounts` customers."""
    from sandbox.zoho import ZohoSandbox

    box = ZohoSandbox(accounts=accounts, seed=seed, tls_dir=folder / "tls-zoho").start()
    objects = {"account": "Accounts", "invoice": "Invoices", "order": "Sales_Orders"}
    totals = {kind: len(box.ids(name)) for kind, name in objects.items()}
    return DemoSource("zoho", "zoho", box, _zoho_table(box), objects, totals)


FX_FIELD_TYPES = {"currency": "currency", "number": "number", "percent": "percentile", "text": "text",
                  "long_text": "long_text", "date": "date", "picklist": "select_one"}  # fmt: skip


def _fxiaoke_writeback(fx: Any) -> dict[str, str]:
    """Fxiaoke's API cannot create fields: the demo creates them as the admin would in the console."""
    from connectors.base import WritebackMapping
    from connectors.writeback_specs import specs_for

    names = {}
    for spec in specs_for(WritebackMapping(object="AccountObj", fields=dict(SF_WRITEBACK))):
        names[spec.decision_key] = fx.create_custom_field(
            "AccountObj", spec.label, FX_FIELD_TYPES[spec.type], spec.picklist_values, spec.length
        )
    return names


def _fxiaoke_table(fx: Any, writeback: dict[str, str]) -> dict[str, Any]:
    custom = fx.custom_field_names()
    industry_field = fx.tenant.schema.objects["AccountObj"].fields["industry_level1"]
    industries = {o.value: o.label for o in industry_field.options}
    money = {"currency": "mc_currency"}
    return {
        "kind": "fxiaoke",
        "api_base": fx.url,
        "ca_bundle": str(fx.ca_pem),
        "api_daily_limit": 50_000,
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
                "parent_crm_id": "parent_account_id",
                "owner_crm_id": "owner",
                **money,
                **custom["AccountObj"],
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
                "status": "record_type",
                **money,
            },
            "transforms": {
                "balance": {"minus": "actual_payment_amount"},
                "status": {"map": {"default__c": "", fx.credit_note_record_type: "credit_note"}},
            },
        },
        "orders": {
            "object": "SalesOrderObj",
            "fields": {
                "account_crm_id": "account_id",
                "amount": "order_amount",
                "uninvoiced_amount": custom["SalesOrderObj"]["uninvoiced_amount"],
                **money,
            },
        },
        "payments": {
            "object": "OrderPaymentObj",
            "fields": {
                "account_crm_id": "account_id",
                "invoice_crm_id": "payment_plan_id",
                "amount": "payment_amount",
                "received_on": "payment_time",
                **money,
            },
        },
        "writeback": {"object": "AccountObj", "fields": writeback},
    }


def start_fxiaoke(accounts: int, seed: int, folder: Path) -> DemoSource:
    """A Fxiaoke tenant with `accounts` customers (its API writes one record per call: keep it small)."""
    from sandbox.fxiaoke import FxiaokeSandbox

    fx = FxiaokeSandbox(accounts=accounts, seed=seed, tls_dir=folder / "tls-fxiaoke").start()
    objects = {"account": "AccountObj", "invoice": "PaymentPlanObj", "order": "SalesOrderObj",
               "payment": "OrderPaymentObj"}  # fmt: skip
    totals = {kind: len(fx.records(name)) for kind, name in objects.items()}
    return DemoSource("fxiaoke", "fxiaoke", fx, _fxiaoke_table(fx, _fxiaoke_writeback(fx)), objects, totals)


def today() -> date:
    """The sandboxes' today (UTC)."""
    return datetime.now(UTC).date()
