"""`GET /crm/v8/{module}/{id}` and `GET /crm/v8/{module}/deleted`, per zoho.md §2.1 and §2.2."""

from __future__ import annotations

from datetime import timedelta

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import ZohoHttp


def test_single_record_has_every_field_and_the_invoice_subform(zoho: ZohoHttp, shared: ZohoSandbox) -> None:
    """§2.1: subforms such as Invoiced_Items appear only when one record is fetched."""
    invoice_id = shared.ids("Invoices")[0]
    record = zoho.get(f"/Invoices/{invoice_id}").json()["data"][0]
    assert record["id"] == invoice_id
    assert {"Subject", "Account_Name", "Due_Date", "Balance_Due", "Paid_On", "Status"} <= set(record)
    assert record["Invoiced_Items"][0]["List_Price"] == record["Sub_Total"]
    listed = zoho.get("/Invoices", params={"fields": "Subject", "per_page": 1}).json()["data"][0]
    assert "Invoiced_Items" not in listed


def test_unknown_record_is_204(zoho: ZohoHttp) -> None:
    """§2.1: nothing to return is 204 with no body."""
    response = zoho.get("/Accounts/4876543200009999999")
    assert (response.status_code, response.content) == (204, b"")


def test_deleted_list_shows_recycle_and_permanent_entries(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.2 / OAS example: deleted_by{name,id}, display_name, type, created_by, deleted_time; permanent ones null."""
    recycled, purged = fresh.ids("Accounts")[:2]
    name = fresh.get_record("Accounts", recycled)["Account_Name"]  # type: ignore[index]
    fresh.delete_record("Accounts", recycled)
    fresh.delete_record("Accounts", purged, permanent=True)
    body = client.get("/Accounts/deleted", params={"type": "all"}).json()
    by_id = {entry["id"]: entry for entry in body["data"]}
    assert by_id[recycled]["type"] == "recycle"
    assert by_id[recycled]["display_name"] == name
    assert set(by_id[recycled]["deleted_by"]) == {"name", "id"}
    assert by_id[purged] | {"deleted_time": None} == {
        "deleted_by": None,
        "id": purged,
        "display_name": None,
        "type": "permanent",
        "created_by": None,
        "deleted_time": None,
    }
    assert body["info"] == {"per_page": 200, "count": 2, "page": 1, "more_records": False}
    only_recycled = client.get("/Accounts/deleted", params={"type": "recycle"}).json()["data"]
    assert [e["id"] for e in only_recycled] == [recycled]


def test_deleted_records_leave_the_list_api(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.2: a deleted record is no longer listed."""
    gone = fresh.ids("Accounts")[0]
    fresh.delete_record("Accounts", gone)
    listed = client.get("/Accounts", params={"fields": "Account_Name"}).json()["data"]
    assert gone not in {row["id"] for row in listed}


def test_deleted_list_is_204_when_nothing_was_deleted(client: ZohoHttp) -> None:
    """§2.2: 204 when none."""
    assert client.get("/Invoices/deleted", params={"type": "all"}).status_code == 204


def test_deleted_list_honours_if_modified_since(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.2: the header is supported; nothing deleted since it -> 304."""
    fresh.delete_record("Accounts", fresh.ids("Accounts")[0])
    later = fresh.org.time.format_dt(fresh.clock.now() + timedelta(seconds=5))
    response = client.get("/Accounts/deleted", params={"type": "all"}, headers={"If-Modified-Since": later})
    assert response.status_code == 304


def test_deleted_type_must_be_all_recycle_or_permanent(client: ZohoHttp) -> None:
    """§2.2: `type=all|recycle|permanent`."""
    response = client.get("/Accounts/deleted", params={"type": "trash"})
    assert (response.status_code, response.json()["code"]) == (400, "PATTERN_NOT_MATCHED")


def test_recycle_bin_entries_drop_off_after_sixty_days(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.2: recycle-bin deletions are listed for 60 days."""
    fresh.delete_record("Accounts", fresh.ids("Accounts")[0])
    fresh.advance(61 * 86400)
    client.login()
    assert client.get("/Accounts/deleted").status_code == 204
