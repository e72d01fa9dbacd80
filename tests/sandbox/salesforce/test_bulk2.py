"""Bulk API 2.0 query jobs, driven by simple-salesforce's bulk2 with wait=0."""

from __future__ import annotations

import csv
import io

import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import trusting_session


def _rows(page: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(page)))


def test_bulk2_query_pages_every_row_as_csv(box: SalesforceSandbox, sf: Salesforce) -> None:
    total = sf.query("SELECT COUNT() FROM Invoice__c")["totalSize"]
    pages = list(
        sf.bulk2.Invoice__c.query(
            "SELECT Id, Name, Amount__c, Account__r.Name FROM Invoice__c", max_records=250, wait=0
        )
    )
    rows = [row for page in pages for row in _rows(page)]
    assert len(pages) == -(-total // 250)
    assert len(rows) == total == len({r["Id"] for r in rows})
    assert list(rows[0]) == ["Id", "Name", "Amount__c", "Account__r.Name"]
    assert all(r["Account__r.Name"] for r in rows)


def test_bulk2_query_all_includes_deleted_rows(box: SalesforceSandbox, sf: Salesforce) -> None:
    victim = box.ids("Order")[-1]
    box.delete_record("Order", victim)
    live = [r for page in sf.bulk2.Order.query("SELECT Id FROM Order", wait=0) for r in _rows(page)]
    every = [r for page in sf.bulk2.Order.query_all("SELECT Id, IsDeleted FROM Order", wait=0) for r in _rows(page)]
    assert victim not in {r["Id"] for r in live}
    assert {"Id": victim, "IsDeleted": "true"} in every


def _rest(box: SalesforceSandbox) -> requests.Session:
    http = trusting_session(box)
    http.headers["Authorization"] = f"Bearer {box.issue_session()}"
    return http


def test_results_headers_and_job_lifecycle_on_the_wire(box: SalesforceSandbox) -> None:
    http, base = _rest(box), f"{box.url}/services/data/v60.0/jobs/query"
    job = http.post(base, json={"operation": "query", "query": "SELECT Id, SystemModstamp FROM Account"}).json()
    assert job["state"] == "UploadComplete" and job["id"].startswith("750")
    assert http.get(f"{base}/{job['id']}").json()["state"] == "JobComplete"
    first = http.get(f"{base}/{job['id']}/results", params={"maxRecords": 40})
    assert first.headers["Sforce-NumberOfRecords"] == "40"
    assert first.headers["Content-Type"].startswith("text/csv")
    assert first.text.startswith('"Id","SystemModstamp"\n"001')
    assert first.text.splitlines()[1].endswith('.000Z"')
    last = http.get(
        f"{base}/{job['id']}/results", params={"maxRecords": 40, "locator": first.headers["Sforce-Locator"]}
    )
    assert last.headers["Sforce-Locator"] == "null"
    assert last.headers["Sforce-NumberOfRecords"] == "20"
    assert http.delete(f"{base}/{job['id']}").status_code == 204
    gone = http.get(f"{base}/{job['id']}")
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "NOT_FOUND"


def test_results_are_withheld_until_the_job_completes(box: SalesforceSandbox) -> None:
    box.state.bulk_processing_s = 3600.0
    try:
        http, base = _rest(box), f"{box.url}/services/data/v60.0/jobs/query"
        job = http.post(base, json={"operation": "query", "query": "SELECT Id FROM Account"}).json()
        assert http.get(f"{base}/{job['id']}").json()["state"] == "InProgress"
        assert http.get(f"{base}/{job['id']}/results").status_code == 412
        aborted = http.patch(f"{base}/{job['id']}", json={"state": "Aborted"}).json()
        assert aborted["state"] == "Aborted"
    finally:
        box.state.bulk_processing_s = 0.0
