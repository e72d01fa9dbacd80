"""Reads against the sandbox over HTTPS: describe checks, windows, deletions, fetches by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.base import Cursor, Window
from connectors.errors import RecordRejected
from connectors.fxiaoke.connector import FxiaokeConnector
from connectors.mapping import parse_stamp
from sandbox.fxiaoke import FxiaokeSandbox, ManualClock
from tests.connectors.fxiaoke.conftest import ConnectorFactory

PLAN_FIELDS = {
    "account_crm_id": "account_id",
    "number": "name",
    "issued_on": "create_time",
    "due_on": "plan_payment_time",
    "amount": "plan_payment_amount",
    "balance": "plan_payment_amount",
    "currency": "mc_currency",
}
INVOICES = {
    "object": "PaymentPlanObj",
    "fields": PLAN_FIELDS,
    "transforms": {"balance": {"minus": "actual_payment_amount"}},
}


def now(clock: ManualClock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


def everything(clock: ManualClock) -> Window:
    return Window(start=None, end=now(clock) + timedelta(seconds=1))


def stamp_of(record: dict[str, Any]) -> datetime:
    return parse_stamp(record["last_modified_time"])


@pytest.fixture
def plans(connect: ConnectorFactory) -> FxiaokeConnector:
    return connect(invoices=INVOICES, reconcile_interval_s=0)


def test_check_mapping_reports_a_missing_field_drops_it_and_keeps_syncing(
    connect: ConnectorFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    accounts = {"object": "AccountObj", "fields": {"name": "name", "industry": "industry", "country": "country__r"}}
    connector = connect(accounts=accounts, writeback={"object": "AccountObj", "fields": {"score": "field_nope1__c"}})
    problems = connector.check_mapping()
    assert problems == [
        "accounts: AccountObj has no field 'industry' (dropped from reads)",
        "writeback.score: AccountObj has no field 'field_nope1__c' (setup-fields tells how to add it)",
    ]
    records = list(connector.pull_changed("account", everything(clock)))
    assert len(records) == len(fx.ids("AccountObj"))
    assert all("industry" not in r.fields and r.fields["country__r"] for r in records)


def test_a_full_pull_mirrors_the_object_in_stamp_order(
    plans: FxiaokeConnector, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    records = list(plans.pull_changed("invoice", everything(clock)))
    stored = {r["_id"]: r for r in fx.records("PaymentPlanObj")}
    assert len(stored) > 100  # several pages
    assert [r.crm_id for r in records] == sorted(stored, key=lambda i: (stored[i]["last_modified_time"], i))
    for record in records:
        row = stored[record.crm_id]
        assert record.stamp == stamp_of(row)
        assert record.deleted == (row["life_status"] == "invalid")
        assert record.fields["plan_payment_amount"] == row["plan_payment_amount"]
        assert record.fields["account_id"] == row["account_id"]
        assert len(record.fields["plan_payment_time"]) == 10  # an ISO day, not epoch ms


def test_a_window_is_start_inclusive_end_exclusive_and_resumes_after_its_cursor(
    plans: FxiaokeConnector, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    ordered = [r.crm_id for r in plans.pull_changed("invoice", everything(clock))]
    stamps = {r["_id"]: stamp_of(r) for r in fx.records("PaymentPlanObj")}
    start, end = stamps[ordered[20]], stamps[ordered[70]]
    inside = [r.crm_id for r in plans.pull_changed("invoice", Window(start, end))]
    assert inside == [i for i in ordered if start <= stamps[i] < end]
    assert ordered[20] in inside and ordered[70] not in inside
    cursor = Cursor(stamps[ordered[40]], ordered[40])
    resumed = [r.crm_id for r in plans.pull_changed("invoice", Window(start, end, after=cursor))]
    assert resumed == inside[inside.index(ordered[40]) + 1 :]


def test_an_edit_during_a_pull_makes_no_other_record_vanish(
    plans: FxiaokeConnector, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    window = everything(clock)
    stream = plans.pull_changed("invoice", window)
    seen = [next(stream).crm_id for _ in range(101)]  # past the first page
    clock.advance(5)
    fx.update_record("PaymentPlanObj", seen[3], {"remind_time": datetime(2027, 1, 1, tzinfo=UTC)})
    seen += [r.crm_id for r in stream]
    assert sorted(seen) == fx.ids("PaymentPlanObj")


def test_an_invalidated_record_is_pulled_as_deleted_and_a_purged_one_is_missing_from_the_live_ids(
    plans: FxiaokeConnector, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    before = now(clock)
    clock.advance(10)
    soft, purged = [
        i for i in fx.ids("PaymentPlanObj") if fx.get_record("PaymentPlanObj", i)["life_status"] == "normal"
    ][:2]  # type: ignore[index]
    fx.delete_record("PaymentPlanObj", soft)
    fx.delete_record("PaymentPlanObj", purged, hard=True)
    clock.advance(1)
    window = Window(before, now(clock))
    changed = list(plans.pull_changed("invoice", window))
    assert [(r.crm_id, r.deleted) for r in changed] == [(soft, True)]
    assert list(plans.pull_deleted("invoice", window)) == []
    live = set(plans.pull_live_ids("invoice", window) or ())
    assert soft in live and purged not in live and live == set(fx.ids("PaymentPlanObj"))


def test_live_ids_are_listed_once_a_china_day_by_default(connect: ConnectorFactory, clock: ManualClock) -> None:
    daily = connect(invoices=INVOICES, lookback_s=600)
    # The previous run started at 23:50 China time; this one at 00:05 the next day: due.
    previous = datetime(2026, 11, 27, 15, 50, tzinfo=UTC)
    crossing = Window(previous - timedelta(seconds=600), previous + timedelta(minutes=15))
    same_day = Window(previous - timedelta(hours=2), previous - timedelta(hours=1))
    assert daily.pull_live_ids("invoice", crossing) is not None
    assert daily.pull_live_ids("invoice", same_day) is None


def test_fetch_by_ids_answers_every_id_and_marks_the_missing_deleted(
    plans: FxiaokeConnector, fx: FxiaokeSandbox
) -> None:
    wanted = fx.ids("PaymentPlanObj")[:3]
    fx.delete_record("PaymentPlanObj", wanted[1], hard=True)
    gone = "f" * 24
    found = plans.fetch_by_ids("invoice", [wanted[0], gone, wanted[1], wanted[2]])
    assert [(r.crm_id, r.deleted) for r in found] == [
        (wanted[0], False),
        (gone, True),
        (wanted[1], True),
        (wanted[2], False),
    ]
    with pytest.raises(RecordRejected):
        plans.fetch_by_ids("invoice", ["x' OR '1'='1"])


def test_fetch_for_accounts_brings_every_plan_of_those_customers(plans: FxiaokeConnector, fx: FxiaokeSandbox) -> None:
    customers = fx.ids("AccountObj")[:2]
    found = {r.crm_id for r in plans.fetch_for_accounts("invoice", customers)}
    assert found == {r["_id"] for r in fx.records("PaymentPlanObj") if r["account_id"] in customers}
    assert found


def test_the_legacy_flow_and_an_open_user_id_read_the_same_records(
    connect: ConnectorFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    auth = {"app_id": fx.app_id, "app_secret": fx.app_secret, "permanent_code": fx.permanent_code}
    accounts = {"object": "AccountObj", "fields": {"name": "name", "owner_crm_id": "owner"}}
    legacy = connect(auth={**auth, "user_id": fx.open_user_id, "flow": "legacy"}, accounts=accounts)
    modern = connect(auth={**auth, "user_id": fx.open_user_id}, accounts=accounts)
    legacy_rows = [(r.crm_id, r.fields["owner"]) for r in legacy.pull_changed("account", everything(clock))]
    modern_rows = [(r.crm_id, r.fields["owner"]) for r in modern.pull_changed("account", everything(clock))]
    assert legacy_rows == modern_rows and len(legacy_rows) == len(fx.ids("AccountObj"))
    assert all(owner.startswith("FSUID_") for _id, owner in legacy_rows)  # ids in the caller's form
