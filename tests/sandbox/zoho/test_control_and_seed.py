"""The control API over HTTP (for other processes) and the deterministic rendering of the portfolio."""

from __future__ import annotations

from datetime import date

from sandbox.portfolio import Portfolio
from sandbox.zoho import ZohoSandbox
from sandbox.zoho.org import Org
from sandbox.zoho.seed import seed_org
from tests.sandbox.zoho.conftest import AS_OF, ZohoHttp


def test_control_api_edits_records_and_expires_tokens(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """`/__sandbox__/...` mirrors the Python control API without credentials."""
    control = f"{fresh.url}/__sandbox__"
    info = client.session.get(f"{control}/info").json()
    assert (info["client_id"], info["refresh_token"]) == (fresh.client_id, fresh.refresh_token)
    account = client.session.get(f"{control}/records/Accounts").json()["ids"][0]
    edited = client.session.patch(f"{control}/records/Accounts/{account}", json={"values": {"Phone": "+44 1"}})
    assert edited.json()["Phone"] == "+44 1"
    client.session.post(f"{control}/tokens/expire")
    assert client.get("/org").json()["code"] == "INVALID_TOKEN"


def test_control_api_adds_faults_and_rules(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """Faults and rejection rules can be scripted over HTTP too."""
    control = f"{fresh.url}/__sandbox__"
    client.session.post(f"{control}/faults", json={"status": 500, "times": 1, "path": "/Accounts"})
    assert client.get("/Accounts", params={"fields": "Account_Name"}).status_code == 500
    first, second = fresh.ids("Accounts")[:2]
    client.session.post(f"{control}/rules", json={"module": "Accounts", "field": "Employees", "op": ">", "value": 10})
    response = client.put("/Accounts", json={"data": [{"id": first, "Employees": 5}, {"id": second, "Employees": 50}]})
    assert response.status_code == 207
    client.session.delete(f"{control}/rules")
    assert client.put("/Accounts", json={"data": [{"id": second, "Employees": 50}]}).status_code == 200


def test_rendering_is_deterministic(fresh: ZohoSandbox) -> None:
    """Same (n, seed, as_of) -> the same records, field for field."""
    with ZohoSandbox(accounts=30, seed=11, as_of=AS_OF) as twin:
        for module in ("Accounts", "Invoices", "Sales_Orders"):
            assert twin.ids(module) == fresh.ids(module)
            sample = fresh.ids(module)[::7]
            assert [twin.get_record(module, i) for i in sample] == [fresh.get_record(module, i) for i in sample]


def test_every_portfolio_customer_invoice_and_order_is_rendered() -> None:
    """Counts follow the portfolio; open balances and financial statements carry over."""
    portfolio = Portfolio(40, seed=3, as_of=date(2026, 6, 30))
    expected = {"Accounts": 0, "Invoices": 0, "Sales_Orders": 0}
    open_balance = 0.0
    for data in portfolio:
        expected["Accounts"] += 1
        expected["Invoices"] += len(data.invoices)
        expected["Sales_Orders"] += len(data.orders)
        open_balance += sum(float(i.balance) for i in data.invoices)
    with ZohoSandbox(accounts=40, seed=3, as_of=date(2026, 6, 30)) as sandbox:
        assert sandbox.counts == expected
        rows = sandbox.org.tables["Invoices"].rows.values()
        assert round(sum(r["Balance_Due"] for r in rows), 2) == round(open_balance, 2)
        accounts = sandbox.org.tables["Accounts"].rows.values()
        assert 0 < len([r for r in accounts if r.get("Total_Assets") is not None]) < 40


def test_seeded_timestamps_never_pass_the_clock(shared: ZohoSandbox) -> None:
    """No record is modified in the future (some clients never read future rows)."""
    now = shared.clock.epoch()
    for module in ("Accounts", "Invoices", "Sales_Orders"):
        rows = shared.org.tables[module].rows.values()
        assert max(r["Modified_Time"] for r in rows) <= now
        assert all(r["Created_Time"] <= r["Modified_Time"] for r in rows)


def test_bulk_import_leaves_modified_time_ties_to_break_on_id(shared: ZohoSandbox) -> None:
    """Accounts were imported ten per second, so Created_Time ties exist and sort_by needs the id tie-break."""
    created = [r["Created_Time"] for r in shared.org.tables["Accounts"].rows.values()]
    assert len(set(created)) < len(created)


def test_org_without_rows_still_has_users(shared: ZohoSandbox) -> None:
    """The API user plus the portfolio's ten sales reps."""
    org = Org(shared.clock, shared.org.time, ("USD",))
    seed_org(org, Portfolio(0))
    assert len(org.users) == 11
