"""The portfolio rendered as Salesforce records: deterministic, realistic, never stamped in the future."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.portfolio import Portfolio
from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import AS_OF


def test_the_same_seed_gives_the_same_ids_and_values() -> None:
    one, two = SalesforceSandbox(accounts=15, seed=3, as_of=AS_OF), SalesforceSandbox(accounts=15, seed=3, as_of=AS_OF)
    assert one.ids("Invoice__c") == two.ids("Invoice__c")
    assert one.org_id == two.org_id
    first = one.ids("Account")[4]
    assert one.get_record("Account", first) == two.get_record("Account", first)
    other = SalesforceSandbox(accounts=15, seed=4, as_of=AS_OF)
    assert not set(other.ids("Account")) & set(one.ids("Account"))


def test_records_follow_the_portfolio() -> None:
    box = SalesforceSandbox(accounts=25, seed=9, as_of=AS_OF)
    portfolio = Portfolio(25, 9, AS_OF)
    customers = list(portfolio)
    assert len(box.ids("Account")) == 25
    assert len(box.ids("Invoice__c")) == sum(len(c.invoices) for c in customers)
    assert len(box.ids("Payment__c")) == sum(len(c.payments) for c in customers)
    company = customers[7].company
    account = box.get_record("Account", box.ids("Account")[7])
    assert account is not None
    assert (account["Name"], account["Industry"], account["YearStarted"]) == (
        company.name,
        company.industry,
        str(company.year_started),
    )
    assert (account["Total_Assets__c"] is None) == (company.financials is None)
    statuses = {str(r["Status__c"]) for r in box.query("SELECT Status__c FROM Invoice__c")}
    assert statuses <= {"Open", "Paid", "Cancelled", "Credit"} and {"Open", "Paid"} <= statuses


def test_parents_owners_and_stamps_are_consistent() -> None:
    box = SalesforceSandbox(accounts=60, seed=7, as_of=AS_OF)
    children = box.query("SELECT Id, Parent.Name, Owner.Username FROM Account WHERE ParentId != null")
    assert children and all(c["Parent"] is not None for c in children)
    assert all(str(r["Owner"]["Username"]).endswith("@crm-credit.example") for r in children)  # type: ignore[index]
    now = datetime.now(UTC)
    stamps = [box.get_record("Invoice__c", i)["SystemModstamp"] for i in box.ids("Invoice__c")]  # type: ignore[index]
    assert max(stamps) <= now  # type: ignore[type-var]
