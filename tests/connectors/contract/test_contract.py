"""The connector contract: what every connector must do against its CRM's sandbox, through the real
SyncEngine over HTTPS. Parametrised over every `harness_*.py` in this folder."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import tomlkit
from typer.testing import CliRunner

from cli.app import EXIT_PROBLEMS
from cli.main import app
from sync.store import Store
from sync.store.state import last_run
from tests.connectors.contract.conftest import SOURCE, Sync
from tests.connectors.contract.harness import CrmHarness
from tests.connectors.contract.store_view import decision, live, outbox_rows, stored, watermarks

KINDS = ("account", "invoice", "order", "payment")


def _mapped_kinds(sync: Sync) -> list[str]:
    return [k for k in KINDS if sync.table.get(f"{k}s") is not None]


def _assert_store_mirrors_crm(sync: Sync) -> None:
    for kind in _mapped_kinds(sync):
        assert live(sync.store, kind, SOURCE) == set(sync.crm.live_ids(kind)), kind  # type: ignore[arg-type]


def _core_flow(sync: Sync) -> None:
    first = sync.run()
    report = first.sources[SOURCE]
    assert report.outcome == "ok", (report.message, report.mapping_problems)
    _assert_store_mirrors_crm(sync)
    accounts = sync.crm.live_ids("account")
    assert report.push is not None and report.push.sent == len(accounts)
    for account_id in accounts:
        grade = decision(sync.store, SOURCE, account_id)["grade"]
        assert grade in sync.crm.written(account_id).values()

    invoice_id, account_id = sync.crm.open_invoice()
    sync.crm.pay_invoice(invoice_id)
    sync.crm.rename_account(account_id, "Renamed Customer Ltd")
    second = sync.run().sources[SOURCE]
    assert second.outcome == "ok", second.message
    paid = stored(sync.store, "invoice", SOURCE)[invoice_id][1]
    assert paid.balance == Decimal(0) and paid.status == "paid"
    assert stored(sync.store, "account", SOURCE)[account_id][1].name == "Renamed Customer Ltd"
    invoices_read = next(o.read for o in second.objects if o.kind == "invoice")
    assert 1 <= invoices_read < len(sync.crm.live_ids("invoice")) / 2  # a window, not a full read


def test_full_then_incremental_pull_and_write_back_on_sqlite(sync: Sync) -> None:
    _core_flow(sync)


@pytest.mark.postgres
def test_full_then_incremental_pull_and_write_back_on_postgresql(crm: CrmHarness, pg_store: Store) -> None:
    _core_flow(Sync(crm, pg_store))


def test_an_unchanged_rerun_sends_no_writes(sync: Sync) -> None:
    sync.run()
    calls = sync.crm.write_calls()
    again = sync.run().sources[SOURCE]
    assert again.outcome == "ok"
    assert again.push is not None and again.push.sent == 0
    assert sync.crm.write_calls() == calls


def test_deleted_records_become_tombstones(sync: Sync) -> None:
    sync.run()
    soft, purged = sync.crm.live_ids("invoice")[:2]
    sync.crm.delete("invoice", soft)
    sync.crm.delete("invoice", purged, purge=True)
    report = sync.run().sources[SOURCE]
    assert report.outcome == "ok"
    rows = stored(sync.store, "invoice", SOURCE)
    assert rows[soft][0] is True and rows[purged][0] is True
    _assert_store_mirrors_crm(sync)


def test_a_session_that_expires_mid_run_is_renewed_once(sync: Sync) -> None:
    expired: list[str] = []

    def expire_after_first_batch(source: str, kind: str, n: int) -> None:
        if not expired:
            sync.crm.expire_auth()
            expired.append(kind)

    report = sync.run(progress=expire_after_first_batch).sources[SOURCE]
    assert expired, "the run never reported progress"
    assert report.outcome == "ok", report.message
    _assert_store_mirrors_crm(sync)
    assert report.push is not None and report.push.sent == len(sync.crm.live_ids("account"))


def test_bursts_of_429_and_503_are_survived(sync: Sync) -> None:
    sync.crm.fail_next_calls(429, 2)
    sync.crm.fail_next_calls(503, 2)
    report = sync.run().sources[SOURCE]
    assert report.outcome == "ok", report.message
    _assert_store_mirrors_crm(sync)
    sync.crm.fail_next_calls(503, 3)
    assert sync.run().sources[SOURCE].outcome == "ok"


def test_a_rejected_record_is_recorded_with_the_crm_message_and_the_batch_lands(sync: Sync) -> None:
    accounts = sync.crm.live_ids("account")
    refused = accounts[0]
    sync.crm.reject_next_write(refused, "Credit fields are locked during the audit")
    report = sync.run().sources[SOURCE]
    assert report.outcome == "problems"
    assert report.push is not None and report.push.rejected == 1 and report.push.sent == len(accounts) - 1
    state, _code, message = outbox_rows(sync.store, SOURCE)[refused]
    assert state == "rejected" and message is not None and "locked during the audit" in message
    assert all(value is None for value in sync.crm.written(refused).values())
    for other in accounts[1:]:
        assert decision(sync.store, SOURCE, other)["grade"] in sync.crm.written(other).values()


def test_the_budget_stops_a_run_midway_with_what_was_read_kept_and_the_next_run_finishes(sync: Sync) -> None:
    stopped: list[str] = []

    def spend_the_budget_after_the_first_batch(source: str, kind: str, n: int) -> None:
        if not stopped:
            sync.crm.leave_calls(0)
            stopped.append(kind)

    report = sync.run(progress=spend_the_budget_after_the_first_batch)
    source = report.sources[SOURCE]
    assert source.outcome == "budget_stop" and report.problems
    assert source.message is not None and "budget" in source.message.lower()
    assert source.push is None  # nothing is written on a budget stop
    kept = live(sync.store, stopped[0], SOURCE)
    assert kept and kept <= set(sync.crm.live_ids(stopped[0]))  # type: ignore[arg-type]
    marks = watermarks(sync.store, SOURCE)
    assert not all(marks.get(k, {}).get("watermark") for k in _mapped_kinds(sync))
    sync.crm.lift_budget()
    again = sync.run().sources[SOURCE]
    assert again.outcome == "ok", again.message
    _assert_store_mirrors_crm(sync)


def test_a_budget_stop_exits_1_from_the_command_line(sync: Sync, tmp_path: Path) -> None:
    config = tmp_path / "crm-credit.toml"
    store_url = f"sqlite:///{tmp_path / 'cli.db'}"
    config.write_text(tomlkit.dumps({"store": {"url": store_url}, "sources": {SOURCE: sync.table}}))
    sync.crm.leave_calls(2)
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == EXIT_PROBLEMS, result.output
    assert "budget" in result.output.lower()
    cli_store = Store.open(store_url)
    try:
        with cli_store.read() as conn:
            run = last_run(conn, SOURCE)
        assert run is not None and run["outcome"] == "budget_stop"
    finally:
        cli_store.close()
    sync.crm.lift_budget()
    assert CliRunner().invoke(app, ["--config", str(config), "sync"]).exit_code == 0
