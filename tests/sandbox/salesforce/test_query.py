"""REST query and queryAll paging, as simple-salesforce walks it over HTTPS."""

from __future__ import annotations

import re

import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest, format_soql

from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import trusting_session


def _rest(box: SalesforceSandbox) -> requests.Session:
    http = trusting_session(box)
    http.headers["Authorization"] = f"Bearer {box.issue_session()}"
    return http


def test_query_all_pages_by_the_requested_batch_size(box: SalesforceSandbox, sf: Salesforce) -> None:
    total = sf.query("SELECT COUNT() FROM Invoice__c")["totalSize"]
    box.calls.clear()
    result = sf.query_all("SELECT Id, Name FROM Invoice__c", headers={"Sforce-Query-Options": "batchSize=200"})
    assert len(result["records"]) == total
    assert len({r["Id"] for r in result["records"]}) == total
    pages = box.calls.count("GET", "/query")
    assert pages == -(-total // 200)


def test_every_page_reports_the_full_total_and_a_relative_next_url(sf: Salesforce) -> None:
    first = sf.query("SELECT Id FROM Invoice__c", headers={"Sforce-Query-Options": "batchSize=250"})
    assert first["done"] is False and len(first["records"]) == 250
    assert re.fullmatch(r"/services/data/v59\.0/query/01g\w{15}-250", first["nextRecordsUrl"])
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["totalSize"] == first["totalSize"]
    assert len(second["records"]) == 250
    assert not {r["Id"] for r in first["records"]} & {r["Id"] for r in second["records"]}


def test_batch_size_is_clamped_to_salesforce_bounds(sf: Salesforce) -> None:
    small = sf.query("SELECT Id FROM Invoice__c", headers={"Sforce-Query-Options": "batchSize=10"})
    default = sf.query("SELECT Id FROM Invoice__c")
    assert len(small["records"]) == 200
    assert len(default["records"]) == min(2000, default["totalSize"])


def test_a_stray_q_on_a_cursor_url_is_tolerated_and_slashes_are_optional(box: SalesforceSandbox) -> None:
    http = _rest(box)
    base = f"{box.url}/services/data/v61.0"
    first = http.get(
        f"{base}/query", params={"q": "SELECT Id FROM Invoice__c"}, headers={"Sforce-Query-Options": "batchSize=300"}
    ).json()
    again = http.get(f"{box.url}{first['nextRecordsUrl']}", params={"q": "SELECT Id FROM Invoice__c"}).json()
    assert len(again["records"]) == min(300, first["totalSize"] - 300)
    slash = http.get(f"{base}/query/", params={"q": "SELECT Id FROM Account LIMIT 1"})
    assert slash.ok and slash.json()["totalSize"] == 1


def test_an_unknown_locator_is_refused(box: SalesforceSandbox) -> None:
    answer = _rest(box).get(f"{box.url}/services/data/v59.0/query/01g000000000000AAA-2000")
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_deleted_rows_appear_only_in_query_all(box: SalesforceSandbox, sf: Salesforce) -> None:
    victim = box.ids("Payment__c")[0]
    box.delete_record("Payment__c", victim)
    live = sf.query_all(format_soql("SELECT Id FROM Payment__c WHERE Id = {}", victim))
    everything = sf.query_all(
        format_soql("SELECT Id, IsDeleted FROM Payment__c WHERE Id = {}", victim), include_deleted=True
    )
    assert live["records"] == []
    assert [(r["Id"], r["IsDeleted"]) for r in everything["records"]] == [(victim, True)]


def test_query_all_cursors_page_under_the_query_path(box: SalesforceSandbox) -> None:
    http = _rest(box)
    first = http.get(
        f"{box.url}/services/data/v59.0/queryAll/",
        params={"q": "SELECT Id FROM Invoice__c"},
        headers={"Sforce-Query-Options": "batchSize=200"},
    ).json()
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")


def test_records_carry_attributes_and_salesforce_value_formats(box: SalesforceSandbox) -> None:
    http = _rest(box)
    raw = http.get(
        f"{box.url}/services/data/v59.0/query",
        params={
            "q": "SELECT Id, AnnualRevenue, NumberOfEmployees, SystemModstamp, Financials_As_Of__c FROM Account "
            "WHERE AnnualRevenue > 50000000 AND Financials_As_Of__c != null LIMIT 1"
        },
    ).text
    assert re.search(r'"AnnualRevenue":\d\.\d+E\d+', raw)
    assert re.search(r'"NumberOfEmployees":\d+[,}]', raw)
    assert re.search(r'"SystemModstamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000"', raw)
    assert re.search(r'"Financials_As_Of__c":"\d{4}-12-31"', raw)
    assert re.search(r'"attributes":\{"type":"Account","url":"/services/data/v59\.0/sobjects/Account/001\w{15}"\}', raw)


def test_malformed_soql_raises_what_simple_salesforce_expects(sf: Salesforce) -> None:
    try:
        sf.query("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01")
    except SalesforceMalformedRequest as error:
        assert error.status == 400
        assert error.content[0]["errorCode"] == "INVALID_FIELD"
    else:
        raise AssertionError("a date literal against a dateTime field must be refused")


def test_a_window_query_reads_the_stamp_index_not_the_table(box: SalesforceSandbox, sf: Salesforce) -> None:
    invoice = box.ids("Invoice__c")[3]
    box.update_record("Invoice__c", invoice, {"Balance__c": "10.00"})
    stamp = box.get_record("Invoice__c", invoice)["SystemModstamp"]  # type: ignore[index]
    since = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[attr-defined]
    rows = sf.query_all(
        format_soql("SELECT Id FROM Invoice__c WHERE SystemModstamp >= {:literal} AND Balance__c = 10", since)
    )
    assert [r["Id"] for r in rows["records"]] == [invoice]
