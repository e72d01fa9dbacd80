"""The contract harness for Zoho CRM: `ZohoSandbox` plus a source mapping Accounts, Invoices and Sales_Orders.

Zoho has no payments module (receipts live in Zoho Books), so this source maps no payments. Zoho
reports no API usage either: the connector counts its own credits, and the org's own daily credit
limit answers 429 — `leave_calls` sets that limit, which stops a run exactly as our share would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import ObjectKind, WritebackMapping
from connectors.writeback_specs import specs_for
from connectors.zoho.setup import PER_CALL, definition
from sandbox.faults import Fault
from sandbox.zoho import ZohoSandbox

MODULES: dict[ObjectKind, str] = {"account": "Accounts", "invoice": "Invoices", "order": "Sales_Orders"}
BUDGET_SHARE = 0.5
DAILY_CREDITS = 1_000_000
WRITEBACK = {
    "credit_limit": "Credit_Limit",
    "available_credit": "Available_Credit",
    "score": "Credit_Score",
    "grade": "Credit_Grade",
    "status": "Credit_Status",
    "flags": "Credit_Flags",
    "reasons": "Credit_Reasons",
    "next_review_on": "Credit_Next_Review",
}
INVOICE_STATUS = {"Created": "open", "Approved": "open", "Delivered": "open", "Paid": "paid",
                  "Cancelled": "void", "Credit Note": "credit_note"}  # fmt: skip
ORDER_STATUS = {"Created": "open", "Approved": "open", "Delivered": "invoiced", "Cancelled": "cancelled"}
FINANCIALS = {"total_assets": "Total_Assets", "total_liabilities": "Total_Liabilities",
              "current_assets": "Current_Assets", "current_liabilities": "Current_Liabilities",
              "retained_earnings": "Retained_Earnings", "ebit": "EBIT", "sales": "Net_Sales", "equity": "Equity",
              "as_of": "Financials_As_Of"}  # fmt: skip


def source_table(box: ZohoSandbox, writeback: dict[str, str] | None = None) -> dict[str, Any]:
    """A `[sources.NAME]` table for the sandbox org (its API and accounts hosts are one origin)."""
    account_fields = {"name": "Account_Name", "industry": "Industry", "country": "Billing_Country",
                      "currency": "Currency", "annual_revenue": "Annual_Revenue", "employees": "Employees",
                      "established_on": "Established_On", "parent_crm_id": "Parent_Account", "owner_crm_id": "Owner",
                      **{f"financials.{k}": v for k, v in FINANCIALS.items()}}  # fmt: skip
    invoice_fields = {"account_crm_id": "Account_Name", "number": "Invoice_Number", "issued_on": "Invoice_Date",
                      "due_on": "Due_Date", "amount": "Grand_Total", "balance": "Balance_Due", "paid_on": "Paid_On",
                      "currency": "Currency", "status": "Status"}  # fmt: skip
    order_fields = {"account_crm_id": "Account_Name", "amount": "Grand_Total",
                    "uninvoiced_amount": "Uninvoiced_Amount", "currency": "Currency", "status": "Status"}  # fmt: skip
    return {
        "kind": "zoho",
        "api_domain": box.url,
        "accounts_url": box.url,
        "ca_bundle": str(box.ca_pem),
        "api_daily_limit": DAILY_CREDITS,
        "api_budget_share": BUDGET_SHARE,
        "channel_token": "contract-channel-token",
        "auth": {"client_id": box.client_id, "client_secret": box.client_secret, "refresh_token": box.refresh_token},
        "accounts": {"object": "Accounts", "fields": account_fields},
        "invoices": {
            "object": "Invoices",
            "fields": invoice_fields,
            "transforms": {"status": {"map": INVOICE_STATUS}},
        },
        "orders": {"object": "Sales_Orders", "fields": order_fields, "transforms": {"status": {"map": ORDER_STATUS}}},
        "writeback": {"object": "Accounts", "fields": dict(writeback or WRITEBACK)},
    }


def install_writeback_fields(box: ZohoSandbox, writeback: dict[str, str]) -> None:
    """An admin creates the credit fields through Zoho's fields API (labels give Zoho's API names)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(box.ca_pem)
    form = {"grant_type": "refresh_token", "client_id": box.client_id, "client_secret": box.client_secret,
            "refresh_token": box.refresh_token}  # fmt: skip
    token = session.post(f"{box.url}/oauth/v2/token", data=form).json()["access_token"]
    specs = [definition(spec) for spec in specs_for(WritebackMapping(object="Accounts", fields=writeback))]
    for start in range(0, len(specs), PER_CALL):
        answer = session.post(f"{box.url}/crm/v8/settings/fields", params={"module": "Accounts"},
                              json={"fields": specs[start : start + PER_CALL]},
                              headers={"Authorization": f"Zoho-oauthtoken {token}"})  # fmt: skip
        answer.raise_for_status()
    session.close()


class ZohoHarness:
    """A started Zoho sandbox org with the credit fields installed."""

    kind = "zoho"
    writeback_fields = tuple(WRITEBACK.values())

    def __init__(self, accounts: int, seed: int = 5) -> None:
        self.box = ZohoSandbox(accounts=accounts, seed=seed).start()
        install_writeback_fields(self.box, WRITEBACK)

    def source_table(self) -> dict[str, Any]:
        """The source table for this sandbox."""
        return source_table(self.box)

    def live_ids(self, kind: ObjectKind) -> list[str]:
        """Live record ids of a kind."""
        return self.box.ids(MODULES[kind])

    def open_invoice(self) -> tuple[str, str]:
        """An open (delivered, unpaid) invoice with a balance, and its account."""
        for invoice_id in self.box.ids("Invoices"):
            row = self.box.get_record("Invoices", invoice_id) or {}
            if row.get("Status") == "Delivered" and (row.get("Balance_Due") or 0) > 0:
                return invoice_id, str(row["Account_Name"]["id"])
        raise LookupError("no open invoice in the sandbox")

    def pay_invoice(self, invoice_id: str) -> None:
        """A user records full payment."""
        today = datetime.now(UTC).date().isoformat()
        self.box.update_record("Invoices", invoice_id, {"Balance_Due": 0.0, "Status": "Paid", "Paid_On": today})

    def rename_account(self, account_id: str, name: str) -> None:
        """A rep renames the account."""
        self.box.update_record("Accounts", account_id, {"Account_Name": name})

    def delete(self, kind: ObjectKind, crm_id: str, purge: bool = False) -> None:
        """To the recycle bin, or permanently (Zoho's deleted list keeps both)."""
        self.box.delete_record(MODULES[kind], crm_id, permanent=purge)

    def expire_auth(self) -> None:
        """Revoke every access token (the next API call gets 401 INVALID_TOKEN)."""
        self.box.revoke_token()

    def fail_next_calls(self, status: int, times: int) -> None:
        """Answer the next API calls with 429 / 503 and Zoho's body."""
        self.box.faults.add(Fault(status, times=times, path="/crm/v8/", retry_after=1 if status == 429 else None))

    def reject_next_write(self, account_id: str, message: str) -> None:
        """A validation failure for the next write of this account."""
        self.box.reject("Accounts", ids=[account_id], message=message, times=1)

    def leave_calls(self, calls: int) -> None:
        """The org's credits run out after `calls` more one-credit calls (Zoho then answers 429)."""
        self.box.set_limits(credits=self.box.credits_used + calls)

    def lift_budget(self) -> None:
        """A new day's allowance."""
        self.box.state.budget.reset()
        self.box.set_limits(credits=None)

    def written(self, account_id: str) -> dict[str, Any]:
        """The write-back fields of one account."""
        record = self.box.get_record("Accounts", account_id) or {}
        return {name: record.get(name) for name in self.writeback_fields}

    def write_calls(self) -> int:
        """Update calls so far."""
        return self.box.calls.count("PUT", "/crm/v8/Accounts")

    def close(self) -> None:
        """Stop the sandbox."""
        self.box.stop()


def open_harness(accounts: int) -> ZohoHarness:
    """The contract suite's entry point."""
    return ZohoHarness(accounts)
