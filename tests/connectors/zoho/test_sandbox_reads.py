"""Reads against the Zoho sandbox over HTTPS: the walk, deletions, by id, by account, metadata, token revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Cursor, Window
from connectors.mapping import RecordMapper
from sandbox.zoho import ZohoSandbox
from tests.connectors.zoho.builders import real_now, sandbox_kit

FAR = timedelta(days=3650)


def _everything() -> Window:
    return Window(None, real_now())


def test_a_full_walk_reads_every_invoice_once_in_stamp_id_order_past_2000_rows(shared: ZohoSandbox) -> None:
    k = sandbox_kit(shared)
    records = list(k.connector.pull_changed("invoice", _everything()))
    keys = [(r.stamp, r.crm_id) for r in records]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert sorted(r.crm_id for r in records) == sorted(shared.ids("Invoices"))
    walk = k.connector.walks["invoice"]
    assert len(records) > 2000 and walk.stats.pages == -(-len(records) // 200)
    assert walk.stats.token_pages == walk.stats.pages - 1 and walk.stats.chains == 1


def test_rows_come_out_plain_and_map_to_canonical_records(shared: ZohoSandbox) -> None:
    k = sandbox_kit(shared)
    invoice = next(iter(k.connector.pull_changed("invoice", _everything())))
    assert invoice.fields["Account_Name"] in shared.ids("Accounts")  # the lookup {name, id} is its id
    assert invoice.stamp.utcoffset() == timedelta(0)  # the org writes +05:30; we hold UTC
    orders = list(k.connector.pull_changed("order", _everything()))
    mapper = RecordMapper("order", "zoho", k.connector.settings.orders)  # type: ignore[arg-type]
    built = [mapper.build(r) for r in orders]
    assert {o.status for o in built} <= {"open", "invoiced", "cancelled"}
    delivered = [o for o in built if o.status == "invoiced"]
    assert delivered and all(o.uninvoiced_amount == 0 for o in delivered)  # only uninvoiced amounts count
    assert any(o.uninvoiced_amount > 0 for o in built if o.status == "open")


def test_an_incremental_window_finds_a_record_edited_in_the_crm(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    before = list(k.connector.pull_changed("account", _everything()))
    watermark = max(r.stamp for r in before)
    edited = fresh.ids("Accounts")[3]
    fresh.update_record("Accounts", edited, {"Annual_Revenue": 123456.0})
    window = Window(watermark - timedelta(seconds=600), real_now() + timedelta(seconds=2))
    changed = list(k.connector.pull_changed("account", window))
    assert [r.crm_id for r in changed if r.stamp > watermark] == [edited]
    assert next(r for r in changed if r.crm_id == edited).fields["Annual_Revenue"] == 123456.0


def test_a_token_revoked_mid_walk_is_replaced_and_the_walk_completes(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    walk = k.connector.pull_changed("invoice", _everything())
    first = [next(walk) for _ in range(150)]  # the first page only
    fresh.revoke_token()
    rest = list(walk)
    assert len(first) + len(rest) == len(fresh.ids("Invoices"))
    assert k.connector.token_refreshes() == 2 and fresh.token_refreshes == 2


def test_deletions_in_the_window_are_reported(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    gone = fresh.ids("Invoices")[:2]
    start = real_now() - timedelta(seconds=5)
    fresh.delete_record("Invoices", gone[0])
    fresh.delete_record("Invoices", gone[1], permanent=True)
    deletions = list(k.connector.pull_deleted("invoice", Window(start, real_now() + timedelta(seconds=2))))
    assert sorted(d.crm_id for d in deletions) == sorted(gone)
    assert all(d.deleted_at is not None and d.deleted_at.utcoffset() == timedelta(0) for d in deletions)


def test_fetch_by_ids_returns_current_rows_and_marks_the_missing_deleted(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    ids = fresh.ids("Accounts")[:3]
    fresh.delete_record("Accounts", ids[1])
    records = k.connector.fetch_by_ids("account", ids)
    assert [(r.crm_id, r.deleted) for r in records] == [(ids[0], False), (ids[1], True), (ids[2], False)]
    assert records[0].fields["Account_Name"] == fresh.get_record("Accounts", ids[0])["Account_Name"]  # type: ignore[index]


def test_fetch_for_accounts_finds_every_invoice_of_those_accounts(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    accounts = fresh.ids("Accounts")[:4]
    expected = sorted(i for i in fresh.ids("Invoices")
                      if fresh.get_record("Invoices", i)["Account_Name"]["id"] in accounts)  # type: ignore[index]  # fmt: skip
    found = list(k.connector.fetch_for_accounts("invoice", accounts))
    assert expected and sorted(r.crm_id for r in found) == expected
    assert all(r.fields["Account_Name"] in accounts for r in found)


def test_a_mapped_field_missing_in_zoho_is_reported_and_dropped_and_the_object_still_syncs(
    fresh: ZohoSandbox,
) -> None:
    table = {"object": "Invoices", "fields": {"account_crm_id": "Account_Name", "number": "Invoice_Number",
             "issued_on": "Invoice_Date", "due_on": "Due_Date", "amount": "Grand_Total", "currency": "Currency",
             "balance": "Open_Balance"}}  # fmt: skip
    k = sandbox_kit(fresh, invoices=table, writeback=None)
    problems = k.connector.check_mapping()
    assert problems == ["invoice: field Open_Balance is not on Zoho module Invoices (dropped from reads)"]
    records = list(k.connector.pull_changed("invoice", _everything()))
    assert len(records) == len(fresh.ids("Invoices")) and "Open_Balance" not in records[0].fields


def test_missing_write_back_fields_are_reported(fresh: ZohoSandbox) -> None:
    problems = sandbox_kit(fresh).connector.check_mapping()
    assert problems == [f"writeback: field {name} is not on Zoho module Accounts (run setup-fields)"
                        for name in ("Credit_Limit", "Credit_Score", "Credit_Status")]  # fmt: skip


def test_credits_spent_match_what_the_sandbox_billed(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    before = fresh.credits_used
    k.connector.check_mapping()
    list(k.connector.pull_changed("invoice", _everything()))
    list(k.connector.pull_deleted("invoice", Window(real_now() - FAR, real_now())))
    assert k.connector.client.meter.spent == fresh.credits_used - before > 0


def test_a_resume_inside_a_second_shared_across_pages_skips_exactly_the_stored_rows() -> None:
    start = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    with ZohoSandbox(accounts=400, seed=3, start_time=start) as box:  # a stopped clock: one busy second
        for account in box.ids("Accounts")[:300]:
            box.update_record("Accounts", account, {"Employees": 12})
        k = sandbox_kit(box)
        end = start + timedelta(seconds=1)
        full = list(k.connector.pull_changed("account", Window(None, end)))
        busy = [r for r in full if r.stamp == start]
        assert len(busy) == 300 and [r.crm_id for r in busy] == sorted(r.crm_id for r in busy)
        stop = busy[150]
        resumed = list(k.connector.pull_changed("account", Window(None, end, Cursor(stop.stamp, stop.crm_id))))
        assert [r.crm_id for r in resumed] == [r.crm_id for r in busy[151:]]
