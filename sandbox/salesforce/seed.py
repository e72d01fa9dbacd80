"""Fill an org: setup rows (users, profiles, permission sets, currencies, layouts, field definitions)
and the shared portfolio (`sandbox/portfolio.py`, where the hidden risk formula lives) rendered as
Accounts, Invoice__c, Order and Payment__c records. Ids and stamps follow from the seed alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sandbox.portfolio import USERS, Company, CustomerData, Portfolio
from sandbox.salesforce.metadata import layout_metadata, metadata_of
from sandbox.salesforce.org import Org
from sandbox.salesforce.table import Table
from sandbox.salesforce.values import ms_of, now_ms, shared_date

INTEGRATION_USERNAME = "integration@crm-credit.example"
RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36, "MXN": 17.1}
INVOICE_STATUS = {"open": "Open", "paid": "Paid", "void": "Cancelled", "credit_note": "Credit"}
ORDER_STATUS = {"open": "Activated", "invoiced": "Invoiced", "cancelled": "Cancelled"}
FINANCIAL_FIELDS = {
    "total_assets": "Total_Assets__c",
    "total_liabilities": "Total_Liabilities__c",
    "current_assets": "Current_Assets__c",
    "current_liabilities": "Current_Liabilities__c",
    "retained_earnings": "Retained_Earnings__c",
    "ebit": "EBIT__c",
    "sales": "Sales__c",
    "equity": "Equity__c",
    "intangible_assets": "Intangible_Assets__c",
    "operating_cash_flow": "Operating_Cash_Flow__c",
}


ZERO = 0.0  # one shared float for the many settled balances


class RowMaker:
    """Builds rows for one table straight from field names (the seed bypasses the write checks)."""

    def __init__(self, table: Table, user_id: str) -> None:
        self.table = table
        self.slots = {f.name: f.slot for f in table.sobject.fields}
        self.base: list[object] = [None] * len(table.sobject.fields)
        for name, value in (("IsDeleted", False), ("CreatedById", user_id), ("LastModifiedById", user_id)):
            if name in self.slots:
                self.base[self.slots[name]] = value
        self.created_slot = self.slots.get("CreatedDate", -1)
        self.modified_slots = [self.slots[n] for n in ("LastModifiedDate", "SystemModstamp") if n in self.slots]

    def add(self, values: dict[str, object], created: int, modified: int | None = None) -> str:
        """Insert a record with these values and stamps; returns its id."""
        row = self.base.copy()
        slots = self.slots
        for name, value in values.items():
            row[slots[name]] = value
        record_id = self.table.next_id()
        row[0] = record_id
        if self.created_slot >= 0:
            row[self.created_slot] = created
        for slot in self.modified_slots:
            row[slot] = created if modified is None else modified
        self.table.insert(tuple(row))
        return record_id


_MIDNIGHTS: dict[date, int] = {}


def _at(day: date, seconds: int, cap: int | None = None) -> int:
    """Epoch ms of `day` plus seconds, never later than `cap` (default now: Salesforce never stamps the future)."""
    midnight = _MIDNIGHTS.get(day)
    if midnight is None:
        midnight = _MIDNIGHTS[day] = ms_of(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return min(midnight + seconds * 1000, cap if cap is not None else now_ms() - 1000)


def seed_setup(org: Org, currencies: tuple[str, ...], created: int) -> list[str]:
    """Organization, profiles, permission sets, users, currencies, field definitions and layouts.

    Returns the ids of the sales reps (record owners), in `portfolio.USERS` order.
    """
    org.active_currencies = tuple(dict.fromkeys((org.corporate_currency, *currencies)))
    users = org.tables["user"]
    org.api_user_id = users.next_id()  # the integration user creates everything below
    profiles = RowMaker(org.tables["profile"], org.api_user_id)
    admin = profiles.add({"Name": "System Administrator"}, created)
    standard = profiles.add({"Name": "Standard User"}, created)
    sets = RowMaker(org.tables["permissionset"], org.api_user_id)
    for profile_id, key in ((admin, "X00e_admin"), (standard, "X00e_standard")):
        sets.add({"Name": key, "Label": key, "IsOwnedByProfile": True, "ProfileId": profile_id}, created)
    people = RowMaker(users, org.api_user_id)
    people.add(
        {
            "Username": INTEGRATION_USERNAME,
            "FirstName": "Integration",
            "LastName": "User",
            "Name": "Integration User",
            "Email": INTEGRATION_USERNAME,
            "Alias": "integ",
            "IsActive": True,
            "ProfileId": admin,
        },
        created,
    )
    reps = []
    for full_name in USERS:
        first, last = full_name.split(" ", 1)
        login = f"{first}.{last}@crm-credit.example".lower()
        reps.append(
            people.add(
                {
                    "Username": login,
                    "FirstName": first,
                    "LastName": last,
                    "Name": full_name,
                    "Email": login,
                    "Alias": (first[0] + last)[:8].lower(),
                    "IsActive": True,
                    "ProfileId": standard,
                },
                created,
            )
        )
    RowMaker(org.tables["organization"], org.api_user_id).add(
        {
            "Name": "crm-credit Sandbox Org",
            "OrganizationType": "Enterprise Edition",
            "IsSandbox": False,
            "DefaultLocaleSidKey": "en_US",
            "TimeZoneSidKey": "GMT",
            "DefaultCurrencyIsoCode": org.corporate_currency,
        },
        created,
    )
    money = RowMaker(org.tables["currencytype"], org.api_user_id)
    for code in org.active_currencies:
        money.add(
            {
                "IsoCode": code,
                "ConversionRate": RATES.get(code, 1.0),
                "DecimalPlaces": 2,
                "IsActive": True,
                "IsCorporate": code == org.corporate_currency,
            },
            created,
        )
    _seed_field_definitions(org, created)
    _seed_layouts(org, created)
    return reps


def _seed_field_definitions(org: Org, created: int) -> None:
    maker = RowMaker(org.tooling_tables["customfield"], org.api_user_id)
    for table in org.tables.values():
        for definition in table.sobject.fields:
            if definition.custom:
                maker.add(
                    {
                        "DeveloperName": definition.name.removesuffix("__c"),
                        "TableEnumOrId": table.sobject.name,
                        "FullName": f"{table.sobject.name}.{definition.name}",
                        "Metadata": metadata_of(definition),
                        "Description": definition.description or None,
                    },
                    created,
                )


def _seed_layouts(org: Org, created: int) -> None:
    maker = RowMaker(org.tooling_tables["layout"], org.api_user_id)
    account = [
        (
            "Account Information",
            [
                "Name",
                "ParentId",
                "OwnerId",
                "AccountNumber",
                "Type",
                "Industry",
                "AnnualRevenue",
                "NumberOfEmployees",
                "YearStarted",
                "CurrencyIsoCode",
            ],
        ),
        (
            "Address Information",
            ["BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry"],
        ),
        ("Financials", [*FINANCIAL_FIELDS.values(), "Financials_As_Of__c", "Requested_Credit_Limit__c"]),
        ("Description Information", ["Description"]),
    ]
    invoice = [
        (
            "Information",
            [
                "Name",
                "Account__c",
                "Invoice_Date__c",
                "Due_Date__c",
                "Amount__c",
                "Balance__c",
                "Paid_On__c",
                "Status__c",
                "CurrencyIsoCode",
            ],
        )
    ]
    order = [("Order Information", ["AccountId", "Name", "EffectiveDate", "Status", "Uninvoiced_Amount__c"])]
    for sobject, name, sections in (
        ("Account", "Account Layout", account),
        ("Invoice__c", "Invoice Layout", invoice),
        ("Order", "Order Layout", order),
    ):
        required = ("Name",) if sobject != "Order" else ("AccountId", "EffectiveDate", "Status")
        maker.add(
            {
                "Name": name,
                "TableEnumOrId": sobject,
                "FullName": f"{sobject}-{name}",
                "LayoutType": "Standard",
                "Metadata": layout_metadata(sections, required),
            },
            created,
        )


class PortfolioRenderer:
    """Writes each generated customer into the org's tables."""

    def __init__(self, org: Org, portfolio: Portfolio, reps: list[str]) -> None:
        self.org, self.portfolio, self.reps = org, portfolio, reps
        user = org.api_user_id
        self.accounts = RowMaker(org.tables["account"], user)
        self.invoices = RowMaker(org.tables["invoice__c"], user)
        self.orders = RowMaker(org.tables["order"], user)
        self.payments = RowMaker(org.tables["payment__c"], user)
        self.account_ids: list[str] = []
        self.start = portfolio.as_of - timedelta(days=900)
        self.cap = now_ms() - 1000

    def render(self) -> None:
        """Every customer of the portfolio, in index order."""
        for data in self.portfolio:
            self.customer(data)
        for table in self.org.tables.values():
            table.sort_log()

    def customer(self, data: CustomerData) -> None:
        """One customer's account, invoices, orders and payments."""
        company = data.company
        owner = self.reps[company.owner_index]
        account_id = self._account(company, owner)
        invoice_ids: dict[int, str] = {}
        for inv in data.invoices:
            created = _at(inv.issued_on, 8 * 3600 + inv.index % 3600, self.cap)
            modified = _at(inv.paid_on, 10 * 3600 + inv.index % 3600, self.cap) if inv.paid_on else created
            invoice_ids[inv.index] = self.invoices.add(
                {
                    "Name": inv.number,
                    "Account__c": account_id,
                    "Invoice_Date__c": shared_date(inv.issued_on),
                    "Due_Date__c": shared_date(inv.due_on),
                    "Amount__c": float(inv.amount),
                    "Balance__c": float(inv.balance) or ZERO,
                    "Paid_On__c": shared_date(inv.paid_on) if inv.paid_on else None,
                    "Status__c": INVOICE_STATUS[inv.status],
                    "CurrencyIsoCode": company.currency,
                    "OwnerId": owner,
                },
                created,
                max(created, modified),
            )
        for order in data.orders:
            created = _at(order.ordered_on, 9 * 3600 + order.index % 3600, self.cap)
            self.orders.add(
                {
                    "AccountId": account_id,
                    "Name": order.number,
                    "OrderNumber": f"{order.index + 1:08d}",
                    "EffectiveDate": shared_date(order.ordered_on),
                    "Status": ORDER_STATUS[order.status],
                    "TotalAmount": float(order.amount),
                    "Uninvoiced_Amount__c": float(order.uninvoiced_amount),
                    "CurrencyIsoCode": company.currency,
                    "OwnerId": owner,
                },
                created,
            )
        for pay in data.payments:
            created = _at(pay.received_on, 12 * 3600 + pay.index % 3600, self.cap)
            self.payments.add(
                {
                    "Name": f"PAY-{pay.index + 1:07d}",
                    "Account__c": account_id,
                    "Invoice__c": invoice_ids.get(pay.invoice_index),
                    "Amount__c": float(pay.amount),
                    "Received_On__c": shared_date(pay.received_on),
                    "CurrencyIsoCode": company.currency,
                    "OwnerId": owner,
                },
                created,
            )

    def _account(self, company: Company, owner: str) -> str:
        i = company.index
        created = _at(self.start, (i * 7919) % (60 * 86400), self.cap)
        modified = _at(self.portfolio.as_of - timedelta(days=1 + (i * 104729) % 365), (i * 31) % 86400, self.cap)
        values: dict[str, object] = {
            "Name": company.name,
            "Type": "Customer - Direct",
            "Industry": company.industry,
            "BillingCountry": company.country,
            "CurrencyIsoCode": company.currency,
            "AnnualRevenue": float(company.annual_revenue),
            "NumberOfEmployees": company.employees,
            "YearStarted": str(company.year_started),
            "AccountNumber": f"CUST-{i + 1:06d}",
            "OwnerId": owner,
            "ParentId": self.account_ids[company.parent_index] if company.parent_index is not None else None,
        }
        if company.financials is not None:
            values.update({FINANCIAL_FIELDS[k]: float(v) for k, v in company.financials.items()})
            values["Financials_As_Of__c"] = shared_date(date(self.portfolio.as_of.year - 1, 12, 31))
        if (i * 2654435761) % 10 == 3:  # about one customer in ten has asked for a limit
            values["Requested_Credit_Limit__c"] = float(round(float(company.annual_revenue) * 0.02, -3))
        account_id = self.accounts.add(values, created, max(created, modified))
        self.account_ids.append(account_id)
        return account_id
