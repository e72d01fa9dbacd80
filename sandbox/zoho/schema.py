"""The generated org's modules and fields, with Zoho's API names and data types.

Native names follow Zoho's SDK field lists [zoho.md §3]. Native Invoices carry no balance or
paid date, so this org has added `Balance_Due` and `Paid_On` as custom fields, as a real customer
must; Accounts carry custom financial-statement fields; Sales_Orders a custom `Uninvoiced_Amount`.
The credit write-back fields do not exist until created through the fields API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.portfolio import INDUSTRIES

# data_type -> json_type, as in Zoho's field metadata.
JSON_TYPES: dict[str, str] = {
    "text": "string",
    "textarea": "string",
    "picklist": "string",
    "autonumber": "string",
    "email": "string",
    "phone": "string",
    "website": "string",
    "currency": "double",
    "double": "double",
    "percent": "double",
    "integer": "integer",
    "bigint": "integer",
    "boolean": "boolean",
    "date": "string",
    "datetime": "string",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
    "bigint_id": "string",
}
SYSTEM_FIELDS = ("Created_Time", "Modified_Time", "Created_By", "Modified_By")


@dataclass
class FieldDef:
    """One field as the org's metadata describes it."""

    api_name: str
    label: str
    data_type: str
    length: int | None = None
    custom: bool = False
    mandatory: bool = False
    read_only: bool = False  # system-maintained: timestamps, audit users, auto numbers, totals
    picklist: tuple[str, ...] = ()
    lookup: str | None = None  # target module of a lookup
    decimal_place: int | None = None
    id: str = ""


@dataclass
class ModuleDef:
    """One module: its API name, display field and fields in layout order."""

    api_name: str
    singular: str
    display_field: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    id: str = ""

    def add(self, definition: FieldDef) -> None:
        """Append a field (custom fields go to the end of the standard layout)."""
        self.fields[definition.api_name] = definition


def _money(name: str, label: str, custom: bool = False, read_only: bool = False) -> FieldDef:
    return FieldDef(name, label, "currency", 16, custom=custom, read_only=read_only, decimal_place=2)


def _audit_fields() -> list[FieldDef]:
    return [
        FieldDef("Owner", "Owner", "ownerlookup", 120),
        FieldDef("Created_By", "Created By", "ownerlookup", 120, read_only=True),
        FieldDef("Modified_By", "Modified By", "ownerlookup", 120, read_only=True),
        FieldDef("Created_Time", "Created Time", "datetime", read_only=True),
        FieldDef("Modified_Time", "Modified Time", "datetime", read_only=True),
    ]


def _currency_fields(codes: tuple[str, ...]) -> list[FieldDef]:
    return [
        FieldDef("Currency", "Currency", "picklist", 120, picklist=codes),
        FieldDef("Exchange_Rate", "Exchange Rate", "double", 16, decimal_place=9),
    ]


FINANCIAL_FIELDS: dict[str, tuple[str, str]] = {
    "total_assets": ("Total_Assets", "Total Assets"),
    "total_liabilities": ("Total_Liabilities", "Total Liabilities"),
    "current_assets": ("Current_Assets", "Current Assets"),
    "current_liabilities": ("Current_Liabilities", "Current Liabilities"),
    "retained_earnings": ("Retained_Earnings", "Retained Earnings"),
    "ebit": ("EBIT", "EBIT"),
    "sales": ("Net_Sales", "Net Sales"),
    "equity": ("Equity", "Equity"),
    "intangible_assets": ("Intangible_Assets", "Intangible Assets"),
    "operating_cash_flow": ("Operating_Cash_Flow", "Operating Cash Flow"),
}


def accounts(codes: tuple[str, ...]) -> ModuleDef:
    """Accounts with Zoho's native fields plus the org's custom financial fields."""
    module = ModuleDef("Accounts", "Account", "Account_Name")
    native = [
        FieldDef("Account_Name", "Account Name", "text", 200, mandatory=True),
        FieldDef("Account_Number", "Account Number", "text", 40),
        FieldDef("Account_Type", "Account Type", "picklist", 120, picklist=("-None-", "Customer", "Prospect")),
        FieldDef("Industry", "Industry", "picklist", 120, picklist=("-None-", *INDUSTRIES)),
        _money("Annual_Revenue", "Annual Revenue"),
        FieldDef("Employees", "Employees", "integer", 9),
        FieldDef("Parent_Account", "Parent Account", "lookup", lookup="Accounts"),
        FieldDef("Phone", "Phone", "phone", 30),
        FieldDef("Website", "Website", "website", 255),
        FieldDef("Billing_City", "Billing City", "text", 30),
        FieldDef("Billing_Country", "Billing Country", "text", 30),
        FieldDef("Description", "Description", "textarea", 32000),
    ]
    custom = [_money(name, label, custom=True) for name, label in FINANCIAL_FIELDS.values()]
    custom += [
        FieldDef("Financials_As_Of", "Financials As Of", "date", custom=True),
        FieldDef("Established_On", "Established On", "date", custom=True),
    ]
    for definition in [*native, *_currency_fields(codes), *_audit_fields(), *custom]:
        module.add(definition)
    return module


INVOICE_STATUSES = ("Created", "Approved", "Delivered", "Paid", "Cancelled", "Credit Note")
ORDER_STATUSES = ("Created", "Approved", "Delivered", "Cancelled")


def invoices(codes: tuple[str, ...]) -> ModuleDef:
    """Invoices: native inventory fields, and the custom balance and paid-date fields."""
    module = ModuleDef("Invoices", "Invoice", "Subject")
    native = [
        FieldDef("Subject", "Subject", "text", 255, mandatory=True),
        FieldDef("Invoice_Number", "Invoice Number", "autonumber", 255, read_only=True),
        FieldDef("Account_Name", "Account Name", "lookup", lookup="Accounts", mandatory=True),
        FieldDef("Invoice_Date", "Invoice Date", "date"),
        FieldDef("Due_Date", "Due Date", "date"),
        FieldDef("Status", "Status", "picklist", 120, picklist=("-None-", *INVOICE_STATUSES)),
        _money("Sub_Total", "Sub Total", read_only=True),
        _money("Tax", "Tax", read_only=True),
        _money("Adjustment", "Adjustment"),
        _money("Grand_Total", "Grand Total", read_only=True),
        FieldDef("Description", "Description", "textarea", 32000),
    ]
    custom = [_money("Balance_Due", "Balance Due", custom=True), FieldDef("Paid_On", "Paid On", "date", custom=True)]
    for definition in [*native, *_currency_fields(codes), *_audit_fields(), *custom]:
        module.add(definition)
    return module


def sales_orders(codes: tuple[str, ...]) -> ModuleDef:
    """Sales orders with the org's custom uninvoiced amount."""
    module = ModuleDef("Sales_Orders", "Sales Order", "Subject")
    native = [
        FieldDef("Subject", "Subject", "text", 255, mandatory=True),
        FieldDef("SO_Number", "SO Number", "autonumber", 255, read_only=True),
        FieldDef("Account_Name", "Account Name", "lookup", lookup="Accounts", mandatory=True),
        FieldDef("Status", "Status", "picklist", 120, picklist=("-None-", *ORDER_STATUSES)),
        FieldDef("Due_Date", "Due Date", "date"),
        _money("Sub_Total", "Sub Total", read_only=True),
        _money("Grand_Total", "Grand Total", read_only=True),
    ]
    custom = [_money("Uninvoiced_Amount", "Uninvoiced Amount", custom=True)]
    for definition in [*native, *_currency_fields(codes), *_audit_fields(), *custom]:
        module.add(definition)
    return module


def tasks() -> ModuleDef:
    """Tasks, which crm-credit may create for collection alerts."""
    module = ModuleDef("Tasks", "Task", "Subject")
    native = [
        FieldDef("Subject", "Subject", "text", 255, mandatory=True),
        FieldDef("Due_Date", "Due Date", "date"),
        FieldDef(
            "Status",
            "Status",
            "picklist",
            120,
            picklist=("Not Started", "Deferred", "In Progress", "Completed", "Waiting for input"),
        ),
        FieldDef("Priority", "Priority", "picklist", 120, picklist=("High", "Highest", "Low", "Lowest", "Normal")),
        FieldDef("What_Id", "Related To", "lookup", lookup="Accounts"),
        FieldDef("Description", "Description", "textarea", 32000),
    ]
    for definition in [*native, *_audit_fields()]:
        module.add(definition)
    return module


def all_modules(codes: tuple[str, ...]) -> dict[str, ModuleDef]:
    """Every record module of the generated org, fresh (custom fields are added per org)."""
    built = [accounts(codes), invoices(codes), sales_orders(codes), tasks()]
    return {module.api_name: module for module in built}
