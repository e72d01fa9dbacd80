"""Reads against the sandbox org: windows and cursors, soft and hard deletes, Bulk 2.0 with REST
fallback, fetches by id and by account, mapping checks, budget and quota stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import Cursor, SourceRecord, Window
from connectors.errors import BudgetExhausted, QuotaExhausted, RateLimited, SchemaDrift
from connectors.salesforce import bulk
from sandbox.faults import Fault
from sandbox.salesforce import SalesforceSandbox
from tests.connectors.salesforce.conftest import MakeConnector, connector_for, settings_for

NOW = datetime.now(UTC).replace(microsecond=0)


def _invoice(box: SalesforceSandbox, account: str, at: datetime, amount: int = 100) -> str:
    values: dict[str, object] = {"Name": f"T-{at.timestamp():.0f}-{amount}", "Account__c": account,
                                 "Invoice_Date__c": at.date(), "Due_Date__c": at.date() + timedelta(days=30),
                                 "Amount__c": amount, "Balance__c": amount, "Status__c": "Open"}  # fmt: skip
    return box.create_record("Invoice__c", values, at=at)


def _ids(records: list[SourceRecord]) -> list[str]:
    return [r.crm_id for r in records]


@pytest.fixture
def stamped(fresh: SalesforceSandbox) -> tuple[datetime, list[str]]:
    """Three invoices committed at T, T and T+1 s (a late commit at T), ids in id order."""
    account = fresh.ids("Account")[0]
    at = NOW - timedelta(minutes=3)
    first, second = sorted([_invoice(fresh, account, at, 1), _invoice(fresh, account, at, 2)])
    third = _invoice(fresh, account, at + timedelta(seconds=1), 3)
    return at, [first, second, third]


def test_a_window_includes_its_start_and_excludes_its_end(fresh: SalesforceSandbox, stamped: Any) -> None:
    at, (first, second, third) = stamped
    connector = connector_for(fresh)
    records = list(connector.pull_changed("invoice", Window(at, at + timedelta(seconds=1))))
    assert _ids(records) == [first, second]
    later = list(connector.pull_changed("invoice", Window(at + timedelta(seconds=1), NOW)))
    assert _ids(later) == [third]


def test_a_resumed_window_starts_strictly_after_the_cursor_in_stamp_then_id_order(
    fresh: SalesforceSandbox, stamped: Any
) -> None:
    at, (first, second, third) = stamped
    window = Window(at - timedelta(hours=1), NOW + timedelta(seconds=1), Cursor(at, first))
    records = list(connector_for(fresh).pull_changed("invoice", window))
    assert _ids(records)[:2] == [second, third]
    assert first not in _ids(records)
    positions = [(r.stamp, r.crm_id) for r in records]
    assert positions == sorted(positions)


def test_soft_deletes_come_through_query_all_flagged_and_purged_ones_through_deleted(
    fresh: SalesforceSandbox,
) -> None:
    connector = connector_for(fresh)
    soft, purged = fresh.ids("Invoice__c")[:2]
    fresh.delete_record("Invoice__c", soft)
    fresh.delete_record("Invoice__c", purged, at=datetime.now(UTC) - timedelta(seconds=90))
    fresh.hard_delete("Invoice__c", purged)
    window = Window(datetime.now(UTC) - timedelta(minutes=10), datetime.now(UTC) + timedelta(seconds=1))
    changed = {r.crm_id: r for r in connector.pull_changed("invoice", window)}
    assert changed[soft].deleted and purged not in changed
    deletions = {d.crm_id for d in connector.pull_deleted("invoice", window)}
    assert purged in deletions
    assert fresh.calls.count("GET", "/sobjects/Invoice__c/deleted") == 1


def test_a_big_window_is_read_with_bulk_2_0_and_matches_rest(box: SalesforceSandbox, make: MakeConnector) -> None:
    window = Window(None, NOW)
    by_rest = list(make().pull_changed("invoice", window))
    box.calls.clear()
    by_bulk = list(make(bulk_threshold=10).pull_changed("invoice", window))
    assert box.calls.count("POST", "/jobs/query") == 1
    assert _ids(by_bulk) == _ids(by_rest)
    assert [r.stamp for r in by_bulk] == [r.stamp for r in by_rest]
    for rest_row, bulk_row in zip(by_rest, by_bulk, strict=True):
        assert {k: _same_value(v) for k, v in rest_row.fields.items()} == {
            k: _same_value(v) for k, v in bulk_row.fields.items()
        }


def _same_value(value: object) -> object:
    """REST numbers are JSON floats, Bulk's are exact CSV text: compare them as Decimals."""
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value


def test_a_failed_bulk_job_hands_over_to_rest(box: SalesforceSandbox, make: MakeConnector) -> None:
    expected = _ids(list(make().pull_changed("invoice", Window(None, NOW))))
    box.faults.add(Fault(500, times=1, path="/jobs/query", method="POST"))
    box.calls.clear()
    records = list(make(bulk_threshold=10).pull_changed("invoice", Window(None, NOW)))
    assert _ids(records) == expected
    assert box.calls.count("GET", "/query") >= 2  # COUNT(), then the REST pages


def test_rest_resumes_after_the_last_row_a_failing_bulk_job_delivered(
    box: SalesforceSandbox, make: MakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _ids(list(make().pull_changed("invoice", Window(None, NOW))))
    monkeypatch.setattr(bulk, "MAX_RECORDS_PER_PAGE", 50)
    rows = make(bulk_threshold=10).pull_changed("invoice", Window(None, NOW))
    got = [next(rows).crm_id for _ in range(50)]
    box.faults.add(Fault(500, times=5, path="/results"))  # every retry of the second page fails
    got += _ids(list(rows))
    assert got == expected


def test_fetch_by_ids_takes_15_characters_and_reports_vanished_records_deleted(
    fresh: SalesforceSandbox,
) -> None:
    connector = connector_for(fresh)
    live, soft, purged = fresh.ids("Invoice__c")[:3]
    fresh.delete_record("Invoice__c", soft)
    fresh.hard_delete("Invoice__c", purged)
    found = connector.fetch_by_ids("invoice", [live[:15], soft, purged, "'; DROP"])
    assert [(r.crm_id, r.deleted) for r in found] == [(live, False), (soft, True), (purged, True)]
    assert found[0].fields["Account__c"] is not None


def test_fetch_for_accounts_returns_every_invoice_of_those_accounts(
    box: SalesforceSandbox, make: MakeConnector
) -> None:
    account = box.ids("Account")[1]
    expected = {str(r["Id"]) for r in box.query(f"SELECT Id FROM Invoice__c WHERE Account__c = '{account}'")}  # noqa: S608
    assert {r.crm_id for r in make().fetch_for_accounts("invoice", [account])} == expected


def test_a_missing_field_is_reported_and_dropped_and_the_object_keeps_syncing(
    box: SalesforceSandbox, make: MakeConnector
) -> None:
    table = settings_for(box).model_dump(mode="json")["invoices"]
    table["fields"]["paid_on"] = "Paid_Date_Gone__c"
    connector = make(invoices=table)
    problems = connector.check_mapping()
    assert any("Paid_Date_Gone__c" in p and "paid_on" in p for p in problems)
    records = list(connector.pull_changed("invoice", Window(None, NOW)))
    assert len(records) == len(box.ids("Invoice__c")) and "Paid_Date_Gone__c" not in records[0].fields


def test_an_object_the_org_lacks_is_a_schema_problem(box: SalesforceSandbox, make: MakeConnector) -> None:
    connector = make(payments={"object": "Receipt__c", "fields": {"amount": "Amount__c"}})
    with pytest.raises(SchemaDrift):
        connector.check_mapping()


def test_the_budget_stops_the_pull_before_the_next_call(fresh: SalesforceSandbox) -> None:
    connector = connector_for(fresh, api_budget_share=0.5)
    fresh.set_api_limit(1000, used=496)
    connector.check_mapping()  # four describes: the org reports 500/1000 afterwards
    before = fresh.calls.count(path="/services/data/")
    with pytest.raises(BudgetExhausted):
        list(connector.pull_changed("account", Window(None, NOW)))
    assert fresh.calls.count(path="/services/data/") == before
    assert connector.api_usage().used == 500


def test_the_orgs_own_limit_is_quota_exhausted(fresh: SalesforceSandbox) -> None:
    connector = connector_for(fresh, api_budget_share=1.0)
    fresh.set_api_limit(100, used=100)
    with pytest.raises(QuotaExhausted, match="REQUEST_LIMIT_EXCEEDED"):
        connector.check_mapping()


def test_429s_beyond_the_retries_surface_as_rate_limited(box: SalesforceSandbox, make: MakeConnector) -> None:
    connector = make()
    box.faults.add(Fault(429, times=4, path="/describe"))
    connector.check_mapping()  # four 429s, the fifth attempt answers
    box.faults.add(Fault(429, times=5, path="/describe"))
    with pytest.raises(RateLimited):
        connector.check_mapping()
