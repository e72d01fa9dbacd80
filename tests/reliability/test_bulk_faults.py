"""Faults while Salesforce reads a big window with Bulk API 2.0 (`bulk_threshold` is low here, and result
pages are small so a window takes several): a burst on `jobs/query` or on its `results` pages is absorbed,
or hands the read over to REST after the last row delivered, or fails the run classified, and the next
run resumes. Every way ends with the store a fault-free Bulk read of an identical org leaves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from connectors.salesforce import bulk
from sandbox.faults import Fault
from sync.store import Store
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.reliability.conftest import SOURCE
from tests.reliability.crm_runs import ATTEMPTS, Runs
from tests.sync import snapshots

ACCOUNTS, SEED = 12, 31
BULK = {"bulk_threshold": 5, "checkpoint_every": 10}  # every object above 5 rows is read with Bulk 2.0
PAGE = 10  # rows per results page
NUMBER = re.compile(r"-?\d+(\.\d+)?")
Records = dict[tuple[str, str], tuple[bool, dict[str, Any]]]
REST_QUERY = ("/query", "/queryAll")  # Bulk's paths are /jobs/query/…, never ending so


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several results pages per job, so a fault can fall between two of them."""
    monkeypatch.setattr(bulk, "MAX_RECORDS_PER_PAGE", PAGE)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Records:
    """What a fault-free Bulk read of the org stores."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk, "MAX_RECORDS_PER_PAGE", PAGE)
        org = SalesforceHarness(ACCOUNTS, seed=SEED)
        folder = tmp_path_factory.mktemp("bulk-reference")
        runs = Runs(org, folder, f"sqlite:///{folder / 'store.db'}", **BULK)
        try:
            assert not runs.sync().problems
            assert org.box.calls.count("GET", "/results") > 2, "the reference never read with Bulk 2.0"
            return stored_records(runs.store)
        finally:
            runs.close()
            org.close()


def stored_records(store: Store) -> Records:
    """Every stored record by (kind, crm_id): deleted flag and payload, numbers as Decimals.

    REST answers numbers as JSON floats and Bulk as exact CSV text, so a row a later run re-reads
    through REST (its window is small) is stored as 132481657.0 where Bulk stored 132481657.
    """
    found: Records = {}
    for kind, rows in snapshots.records(store).items():
        for _source, crm_id, deleted, payload in rows:
            found[(kind, crm_id)] = (deleted, json.loads(payload, parse_float=Decimal, object_hook=_decimals))
    return found


def _decimals(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if isinstance(v, str) and NUMBER.fullmatch(v) else v for k, v in obj.items()}


def _rest_window_reads(org: SalesforceHarness) -> list[str]:
    """The SOQL of every REST query that read rows of a window (not a COUNT(), not by id)."""
    reads = []
    for call in org.box.calls.calls:
        soql = unquote_plus(call.query)
        if (
            call.method == "GET"
            and call.path.rstrip("/").endswith(REST_QUERY)
            and "COUNT()" not in soql
            and " IN (" not in soql
        ):
            reads.append(soql)
    return reads


@pytest.fixture
def org() -> Iterator[SalesforceHarness]:
    """An org identical to the reference's."""
    harness = SalesforceHarness(ACCOUNTS, seed=SEED)
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def runs(org: SalesforceHarness, tmp_path: Path) -> Iterator[Runs]:
    """Bulk-reading sync runs over the org and a SQLite store."""
    opened = Runs(org, tmp_path, f"sqlite:///{tmp_path / 'store.db'}", **BULK)
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize(
    "burst",
    [
        Fault(503, 2, "/jobs/query", method="POST"),  # creating the job: Salesforce did nothing, safe to repeat
        Fault(503, 2, "/results"),
        Fault(0, 2, "/results", drop=True),
    ],
    ids=["503 on creating the job", "503 on a results page", "reset on a results page"],
)
def test_a_burst_on_a_bulk_job_the_retries_absorb_leaves_the_read_on_bulk(
    org: SalesforceHarness, runs: Runs, reference: Records, burst: Fault
) -> None:
    cause = "connection" if burst.drop else "503"
    org.box.faults.add(burst)
    report = runs.sync()
    assert not report.problems, report.sources[SOURCE].message
    assert runs.last_run()["retries"] == {cause: 2}
    assert _rest_window_reads(org) == [], "REST took over although the retries absorbed the burst"
    assert stored_records(runs.store) == reference


def test_results_pages_failing_past_the_retries_hand_over_to_rest_after_the_last_row_delivered(
    org: SalesforceHarness, runs: Runs, reference: Records
) -> None:
    broken: list[str] = []

    def break_the_next_page(source: str, kind: str, read: int) -> None:
        if kind == "invoice" and not broken:  # a page of invoices is stored; the next one never comes
            org.box.faults.add(Fault(503, ATTEMPTS, "/results"))
            broken.append(kind)

    report = runs.sync(progress=break_the_next_page)
    assert broken and not report.problems, report.sources[SOURCE].message
    assert runs.last_run()["retries"] == {"503": ATTEMPTS - 1}
    assert any("Invoice__c" in read for read in _rest_window_reads(org)), "REST never took over"
    read = {o.kind: o.read for o in report.sources[SOURCE].objects}
    assert read["invoice"] == sum(kind == "invoice" for kind, _id in reference), "REST re-read delivered rows"
    assert stored_records(runs.store) == reference


def test_the_api_failing_mid_bulk_read_fails_the_run_classified_and_the_next_run_resumes_without_gaps(
    org: SalesforceHarness, runs: Runs, reference: Records
) -> None:
    down: list[int] = []

    def outage(source: str, kind: str, read: int) -> None:
        if kind == "invoice" and not down:  # the results pages, then REST's takeover, all answer 503
            org.box.faults.add(Fault(503, 2 * ATTEMPTS, "/services/data/"))
            down.append(read)

    failed = runs.sync(progress=outage)
    assert down and failed.sources[SOURCE].outcome == "failed"
    shown = runs.last_run()
    assert shown["error"] == {"class": "TransientError", "action": "retry", "fault": "transient"}
    assert shown["retries"] == {"503": 2 * (ATTEMPTS - 1)}
    invoices = len(org.live_ids("invoice"))
    resumed = runs.sync()
    assert not resumed.problems and runs.last_run()["outcome"] == "ok"
    stored = {o.kind: o.stored for o in resumed.sources[SOURCE].objects}
    assert stored["invoice"] <= invoices - down[0], "the next run read the stored invoices again"
    assert stored_records(runs.store) == reference
