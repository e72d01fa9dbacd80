"""The contract harness for Salesforce: `SalesforceSandbox` plus a source mapping its objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import ObjectKind, WritebackMapping
from connectors.salesforce.fieldmeta import custom_field
from connectors.writeback_specs import specs_for
from sandbox.faults import Fault
from sandbox.salesforce import SalesforceSandbox

OBJECTS: dict[ObjectKind, str] = {
    "account": "Account",
    "invoice": "Invoice__c",
    "order": "Order",
    "payment": "Payment__c",
}
BUDGET_SHARE = 0.5
BUDGET_LIMIT = 10_000
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


def source_table(box: SalesforceSandbox, writeback: dict[str, str] | None = None) -> dict[str, Any]:
    """A `[sources.NAME]` table mapping the sandbox org's Account, Invoice__c, Order and Payment__c."""
    creds = box.credentials
    return {
        "kind": "salesforce",
        "ca_bundle": str(box.ca_pem),
        "api_budget_share": BUDGET_SHARE,
        "auth": {
            "method": "password",
            "login_url": box.url,
            "username": creds.username,
            "password": creds.password,
            "security_token": creds.security_token,
        },
        "accounts": {
            "object": "Account",
            "fields": {
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
                "financials.total_assets": "Total_Assets__c",
                "financials.total_liabilities": "Total_Liabilities__c",
                "financials.current_assets": "Current_Assets__c",
                "financials.current_liabilities": "Current_Liabilities__c",
                "financials.retained_earnings": "Retained_Earnings__c",
                "financials.ebit": "EBIT__c",
                "financials.sales": "Sales__c",
                "financials.equity": "Equity__c",
                "financials.as_of": "Financials_As_Of__c",
            },
            "transforms": {"established_on": {"date_format": "%Y"}},
        },
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
            "transforms": {
                "status": {"map": {"Open": "open", "Paid": "paid", "Cancelled": "void", "Credit": "credit_note"}}
            },
        },
        "orders": {
            "object": "Order",
            "fields": {
                "account_crm_id": "AccountId",
                "amount": "TotalAmount",
                "uninvoiced_amount": "Uninvoiced_Amount__c",
                "currency": "CurrencyIsoCode",
                "status": "Status",
            },
            "transforms": {
                "status": {
                    "map": {"Draft": "open", "Activated": "open", "Invoiced": "invoiced", "Cancelled": "cancelled"}
                }
            },
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
        "writeback": {"object": "Account", "fields": dict(writeback or WRITEBACK)},
    }


def install_writeback_fields(box: SalesforceSandbox, writeback: dict[str, str]) -> None:
    """Create the write-back fields as an admin would (readable and editable by the integration user)."""
    for spec in specs_for(WritebackMapping(object="Account", fields=writeback)):
        box.create_field(f"Account.{spec.name}", custom_field(spec), grant=True)


class SalesforceHarness:
    """A started sandbox org with the credit fields installed."""

    kind = "salesforce"
    writeback_fields = tuple(WRITEBACK.values())

    def __init__(self, accounts: int, seed: int = 5) -> None:
        self.box = SalesforceSandbox(accounts=accounts, seed=seed, api_limit=BUDGET_LIMIT).start()
        install_writeback_fields(self.box, WRITEBACK)

    def source_table(self) -> dict[str, Any]:
        """The source table for this sandbox."""
        return source_table(self.box)

    def live_ids(self, kind: ObjectKind) -> list[str]:
        """Live record ids of a kind."""
        return self.box.ids(OBJECTS[kind])

    def open_invoice(self) -> tuple[str, str]:
        """An open invoice with a balance, and its account."""
        rows = self.box.query("SELECT Id, Account__c FROM Invoice__c WHERE Status__c = 'Open' AND Balance__c > 0")
        return str(rows[0]["Id"]), str(rows[0]["Account__c"])

    def pay_invoice(self, invoice_id: str) -> None:
        """Record full payment as the invoice's owner."""
        today = datetime.now(UTC).date()
        self.box.update_record("Invoice__c", invoice_id, {"Balance__c": 0, "Status__c": "Paid", "Paid_On__c": today})

    def rename_account(self, account_id: str, name: str) -> None:
        """A rep renames the account."""
        self.box.update_record("Account", account_id, {"Name": name})

    def delete(self, kind: ObjectKind, crm_id: str, purge: bool = False) -> None:
        """To the recycle bin; `purge` removes it for good, so only deleted/ still lists it.

        A purged record is deleted a minute back: deleted/ covers whole minutes before now, so a
        deletion of this very minute would only show on a later run (the engine's lookback does that).
        """
        at = datetime.now(UTC) - timedelta(seconds=61) if purge else None
        self.box.delete_record(OBJECTS[kind], crm_id, at=at)
        if purge:
            self.box.hard_delete(OBJECTS[kind], crm_id)

    def expire_auth(self) -> None:
        """End every session."""
        self.box.expire_sessions()

    def fail_next_calls(self, status: int, times: int) -> None:
        """Answer the next data API calls with 429 / 503."""
        self.box.faults.add(
            Fault(status, times=times, path="/services/data/", retry_after=1 if status == 429 else None)
        )

    def reject_next_write(self, account_id: str, message: str) -> None:
        """A validation failure for the next write of this account."""
        self.box.reject_next_write(record_id=account_id, sobject="Account", message=message)

    def leave_calls(self, calls: int) -> None:
        """Org usage just below our share, so `calls` more calls reach it."""
        self.box.set_api_limit(BUDGET_LIMIT, used=int(BUDGET_LIMIT * BUDGET_SHARE) - calls)

    def lift_budget(self) -> None:
        """A new day's allowance."""
        self.box.set_api_limit(BUDGET_LIMIT, used=0)

    def written(self, account_id: str) -> dict[str, Any]:
        """The write-back fields of one account."""
        record = self.box.get_record("Account", account_id) or {}
        return {name: record.get(name) for name in self.writeback_fields}

    def write_calls(self) -> int:
        """Collections calls so far."""
        return self.box.calls.count("PATCH", "/composite/sobjects")

    def close(self) -> None:
        """Stop the sandbox."""
        self.box.stop()


def open_harness(accounts: int) -> SalesforceHarness:
    """The contract suite's entry point."""
    return SalesforceHarness(accounts)
