"""The org's object model: standard objects, the custom invoice/payment objects and the setup objects.

Credit write-back fields (Credit_Limit__c, ...) are deliberately absent: the connector must create
them through the Tooling API and grant field permissions, as on a real org.
"""

from __future__ import annotations

from sandbox.portfolio import INDUSTRIES
from sandbox.salesforce.schema import FieldDef, SObjectDef

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "MXN")
ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Other")
INVOICE_STATUSES = ("Open", "Paid", "Cancelled", "Credit")
ORDER_STATUSES = ("Draft", "Activated", "Invoiced", "Cancelled")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")


def text(name: str, label: str, length: int = 255, **kw: object) -> FieldDef:
    """A text field."""
    return FieldDef(name, label, "string", length=length, **kw)  # type: ignore[arg-type]


def money(name: str, label: str, precision: int = 18, scale: int = 2, **kw: object) -> FieldDef:
    """A currency field."""
    return FieldDef(name, label, "currency", precision=precision, scale=scale, **kw)  # type: ignore[arg-type]


def day(name: str, label: str, **kw: object) -> FieldDef:
    """A date field."""
    return FieldDef(name, label, "date", **kw)  # type: ignore[arg-type]


def pick(name: str, label: str, values: tuple[str, ...], restricted: bool = False, **kw: object) -> FieldDef:
    """A picklist field."""
    kw.setdefault("length", 255)
    return FieldDef(name, label, "picklist", picklist=values, restricted=restricted, **kw)  # type: ignore[arg-type]


def ref(name: str, label: str, to: tuple[str, ...], relationship: str, **kw: object) -> FieldDef:
    """A lookup field."""
    return FieldDef(name, label, "reference", length=18, reference_to=to, relationship_name=relationship, **kw)  # type: ignore[arg-type]


def flag(name: str, label: str, **kw: object) -> FieldDef:
    """A checkbox."""
    kw.setdefault("nillable", False)
    kw.setdefault("default_value", False)
    return FieldDef(name, label, "boolean", **kw)  # type: ignore[arg-type]


def system_field(name: str, label: str, sf_type: str, **kw: object) -> FieldDef:
    """A field only Salesforce sets (system stamps, roll-ups)."""
    return FieldDef(name, label, sf_type, createable=False, updateable=False, **kw)  # type: ignore[arg-type]


def new_object(name: str, label: str, plural: str, prefix: str, **kw: object) -> SObjectDef:
    """An object with its Id and, unless told otherwise, IsDeleted."""
    sobject = SObjectDef(name, label, plural, prefix, **kw)  # type: ignore[arg-type]
    sobject.add(system_field("Id", f"{label} ID", "id", length=18, nillable=False))
    if sobject.has_deleted:
        sobject.add(system_field("IsDeleted", "Deleted", "boolean", nillable=False, default_value=False))
    return sobject


def add_audit_fields(sobject: SObjectDef, owner: bool = True, currency: bool = True) -> None:
    """CreatedDate ... SystemModstamp, and OwnerId / CurrencyIsoCode where the object has them."""
    if owner:
        sobject.add(ref("OwnerId", "Owner ID", ("User",), "Owner", nillable=False))
    if currency:
        sobject.add(pick("CurrencyIsoCode", "Currency ISO Code", CURRENCIES, restricted=True, length=3))
    sobject.add(system_field("CreatedDate", "Created Date", "datetime", nillable=False))
    sobject.add(
        system_field(
            "CreatedById",
            "Created By ID",
            "reference",
            length=18,
            reference_to=("User",),
            relationship_name="CreatedBy",
            nillable=False,
        )
    )
    sobject.add(system_field("LastModifiedDate", "Last Modified Date", "datetime", nillable=False))
    sobject.add(
        system_field(
            "LastModifiedById",
            "Last Modified By ID",
            "reference",
            length=18,
            reference_to=("User",),
            relationship_name="LastModifiedBy",
            nillable=False,
        )
    )
    sobject.add(system_field("SystemModstamp", "System Modstamp", "datetime", nillable=False))


def account() -> SObjectDef:
    """Account with the standard fields a credit team reads and the custom financial fields."""
    a = new_object("Account", "Account", "Accounts", "001")
    a.add(text("Name", "Account Name", nillable=False, name_field=True))
    a.add(pick("Type", "Account Type", ACCOUNT_TYPES))
    a.add(ref("ParentId", "Parent Account ID", ("Account",), "Parent"))
    for part, length in (("Street", 255), ("City", 40), ("State", 80), ("PostalCode", 20), ("Country", 80)):
        a.add(
            FieldDef(f"Billing{part}", f"Billing {part}", "textarea" if part == "Street" else "string", length=length)
        )
    a.add(FieldDef("Phone", "Account Phone", "phone", length=40))
    a.add(FieldDef("Website", "Website", "url", length=255))
    a.add(text("AccountNumber", "Account Number", 40))
    a.add(text("Sic", "SIC Code", 20))
    a.add(pick("Industry", "Industry", INDUSTRIES))
    a.add(money("AnnualRevenue", "Annual Revenue", 18, 0))
    a.add(FieldDef("NumberOfEmployees", "Employees", "int", digits=8))
    a.add(pick("Ownership", "Ownership", ("Public", "Private", "Subsidiary", "Other")))
    a.add(pick("Rating", "Account Rating", ("Hot", "Warm", "Cold")))
    a.add(text("DunsNumber", "D-U-N-S Number", 9))
    a.add(text("YearStarted", "Year Started", 4))
    a.add(FieldDef("Description", "Account Description", "textarea", length=32000))
    add_audit_fields(a)
    for name, label in (
        ("Total_Assets__c", "Total Assets"),
        ("Total_Liabilities__c", "Total Liabilities"),
        ("Current_Assets__c", "Current Assets"),
        ("Current_Liabilities__c", "Current Liabilities"),
        ("Retained_Earnings__c", "Retained Earnings"),
        ("EBIT__c", "EBIT"),
        ("Sales__c", "Sales"),
        ("Equity__c", "Equity"),
        ("Intangible_Assets__c", "Intangible Assets"),
        ("Operating_Cash_Flow__c", "Operating Cash Flow"),
    ):
        a.add(money(name, label, custom=True))
    a.add(day("Financials_As_Of__c", "Financials As Of", custom=True))
    a.add(money("Requested_Credit_Limit__c", "Requested Credit Limit", custom=True))
    return a


def invoice() -> SObjectDef:
    """Invoice__c, the custom invoice object most orgs without Billing build."""
    o = new_object("Invoice__c", "Invoice", "Invoices", "a0B", custom=True)
    o.add(text("Name", "Invoice Number", 80, nillable=False, name_field=True))
    o.add(ref("Account__c", "Account", ("Account",), "Account__r", custom=True))
    o.add(day("Invoice_Date__c", "Invoice Date", custom=True))
    o.add(day("Due_Date__c", "Due Date", custom=True))
    o.add(money("Amount__c", "Amount", 16, 2, custom=True))
    o.add(money("Balance__c", "Balance", 16, 2, custom=True))
    o.add(day("Paid_On__c", "Paid On", custom=True))
    o.add(pick("Status__c", "Status", INVOICE_STATUSES, restricted=True, custom=True, default_picklist="Open"))
    add_audit_fields(o)
    return o


def payment() -> SObjectDef:
    """Payment__c: receipts recorded separately, each against an invoice."""
    o = new_object("Payment__c", "Payment", "Payments", "a0C", custom=True)
    o.add(
        FieldDef(
            "Name",
            "Payment Number",
            "string",
            length=80,
            name_field=True,
            auto_number=True,
            createable=False,
            updateable=False,
            nillable=False,
        )
    )
    o.add(ref("Account__c", "Account", ("Account",), "Account__r", custom=True))
    o.add(ref("Invoice__c", "Invoice", ("Invoice__c",), "Invoice__r", custom=True))
    o.add(money("Amount__c", "Amount", 16, 2, custom=True))
    o.add(day("Received_On__c", "Received On", custom=True))
    add_audit_fields(o)
    return o


def order() -> SObjectDef:
    """Order; TotalAmount is a read-only roll-up of its items, as in Salesforce."""
    o = new_object("Order", "Order", "Orders", "801")
    o.add(ref("AccountId", "Account ID", ("Account",), "Account"))
    o.add(text("Name", "Order Name", 80))
    o.add(
        FieldDef(
            "OrderNumber",
            "Order Number",
            "string",
            length=30,
            name_field=True,
            auto_number=True,
            createable=False,
            updateable=False,
            nillable=False,
        )
    )
    o.add(day("EffectiveDate", "Order Start Date", nillable=False))
    o.add(pick("Status", "Status", ORDER_STATUSES, restricted=True, nillable=False, default_picklist="Draft"))
    o.add(system_field("TotalAmount", "Order Amount", "currency", precision=18, scale=2, calculated=True))
    o.add(text("PoNumber", "PO Number", 80))
    o.add(FieldDef("Description", "Description", "textarea", length=32000))
    add_audit_fields(o)
    o.add(money("Uninvoiced_Amount__c", "Uninvoiced Amount", 16, 2, custom=True))
    return o


def user() -> SObjectDef:
    """User: the owners of the portfolio and the integration user."""
    u = new_object("User", "User", "Users", "005", has_deleted=False, deletable=False)
    u.add(text("Username", "Username", 80, nillable=False, unique=True))
    u.add(text("LastName", "Last Name", 80, nillable=False))
    u.add(text("FirstName", "First Name", 40))
    u.add(FieldDef("Name", "Full Name", "string", length=121, name_field=True, createable=False, updateable=False))
    u.add(FieldDef("Email", "Email", "email", length=128, nillable=False))
    u.add(text("Alias", "Alias", 8, nillable=False))
    u.add(flag("IsActive", "Active", default_value=True))
    u.add(ref("ProfileId", "Profile ID", ("Profile",), "Profile", nillable=False))
    add_audit_fields(u, owner=False, currency=False)
    return u


def task() -> SObjectDef:
    """Task, where credit alerts land for the account owner."""
    t = new_object("Task", "Task", "Tasks", "00T")
    t.add(ref("WhoId", "Name ID", ("Contact", "Lead"), "Who"))
    t.add(ref("WhatId", "Related To ID", ("Account", "Order", "Invoice__c"), "What"))
    t.add(FieldDef("Subject", "Subject", "combobox", length=255, picklist=("Call", "Send Letter", "Other")))
    t.add(day("ActivityDate", "Due Date Only"))
    t.add(pick("Status", "Status", TASK_STATUSES, restricted=True, nillable=False, default_picklist="Not Started"))
    t.add(
        pick(
            "Priority",
            "Priority",
            ("High", "Normal", "Low"),
            restricted=True,
            nillable=False,
            default_picklist="Normal",
        )
    )
    t.add(FieldDef("Description", "Description", "textarea", length=32000))
    t.add(system_field("IsClosed", "Closed", "boolean", nillable=False, default_value=False, calculated=True))
    add_audit_fields(t, currency=False)
    return t


def standard_objects() -> list[SObjectDef]:
    """Every data object of the org, in global-describe order."""
    return [account(), invoice(), order(), payment(), task(), user()]
