"""The incremental pull: windows, lookback, ties, checkpoints, tombstones, full reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import ObjectKind, Window
from connectors.registry import register_connector
from sync.store import Store
from sync.store.codec import decode_record
from sync.store.state import load_pull_state, load_watermarks
from tests.fakes.fake_crm import FakeConnector, Faults, SimulatedCrash
from tests.sync import snapshots
from tests.sync.builders import Harness, account, harness, invoice

Target = tuple[Store, str, str | None]


def _seed(h: Harness, accounts: int = 3, invoices_each: int = 2) -> None:
    for a in range(accounts):
        account(h.crm, f"A{a}", name=f"Customer {a}")
        for i in range(invoices_each):
            invoice(h.crm, f"I{a}-{i}", f"A{a}", amount=str(100 * (i + 1)))
        h.crm.tick()
    h.crm.tick(60)


def _pull(h: Harness, full: bool = False, faults: Faults | None = None) -> None:
    engine = h.engine(faults)
    report = engine.pull_source("sf", full=full)
    engine._finish(report)


def test_a_first_pull_stores_every_record_and_sets_watermarks(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        _pull(h)
        held = snapshots.records(h.store)
        assert len(held["account"]) == 3 and len(held["invoice"]) == 6
        payload = next(p for s, i, d, p in held["invoice"] if i == "I0-1")
        assert decode_record("invoice", "sf", "I0-1", payload).amount == Decimal("200")
        with h.store.read() as conn:
            marks = load_watermarks(conn, "sf")
        assert marks["invoice"] == h.crm.now - timedelta(seconds=61)


def test_the_lookback_catches_a_record_committed_late_below_the_watermark(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        _pull(h)
        watermark = h.crm.now - timedelta(seconds=61)
        # A long transaction commits now, stamped 5 minutes before rows we already stored.
        invoice(h.crm, "LATE", "A0", amount="42", stamp=watermark - timedelta(seconds=300))
        h.crm.tick(60)
        _pull(h)
        assert any(crm_id == "LATE" for _s, crm_id, _d, _p in snapshots.records(h.store)["invoice"])


def test_a_record_older_than_the_lookback_is_left_to_a_full_sync(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        _pull(h)
        invoice(h.crm, "ANCIENT", "A0", stamp=h.crm.now - timedelta(days=2))
        h.crm.tick(60)
        _pull(h)
        assert "ANCIENT" not in {i for _s, i, _d, _p in snapshots.records(h.store)["invoice"]}
        _pull(h, full=True)
        assert "ANCIENT" in {i for _s, i, _d, _p in snapshots.records(h.store)["invoice"]}


def test_a_resumed_pull_continues_after_the_last_stored_row_among_equal_stamps(store_target: Target) -> None:
    with harness(store_target, checkpoint_every=2) as h:
        account(h.crm, "A0")
        h.crm.tick()
        for i in range(7):
            invoice(h.crm, f"I{i}", "A0")  # all seven share one stamp
        h.crm.tick(60)
        with pytest.raises(SimulatedCrash):
            _pull(h, faults=Faults(crash_after_records=1 + 5))  # the account, then five invoices
        with h.store.read() as conn:
            checkpoint = load_pull_state(conn, "sf", "invoice").checkpoint
        assert checkpoint is not None and checkpoint.after is not None and checkpoint.after.crm_id == "I3"
        _pull(h, faults=Faults())
        assert {i for _s, i, _d, _p in snapshots.records(h.store)["invoice"]} == {f"I{i}" for i in range(7)}
        # I0..I3 were committed before the crash and are not read again; I4 (read, uncommitted) is.
        assert [i for i in h.connector.pulled_ids if i.startswith("I")] == ["I4", "I5", "I6"]
        with h.store.read() as conn:
            assert load_pull_state(conn, "sf", "invoice").checkpoint is None


@pytest.mark.parametrize("crash_at", [1, 4, 7, 10])
def test_a_pull_killed_anywhere_ends_like_an_uninterrupted_one(store_target: Target, crash_at: int) -> None:
    with harness(store_target, checkpoint_every=3) as h:
        _seed(h, accounts=4, invoices_each=2)
        _pull(h)
        clean = snapshots.records(h.store)
        snapshots.wipe(h.store)
        with pytest.raises(SimulatedCrash):
            _pull(h, faults=Faults(crash_after_records=crash_at))
        _pull(h, faults=Faults())
        assert snapshots.records(h.store) == clean
    assert len(clean["account"]) == 4 and len(clean["invoice"]) == 8


def test_deletions_become_tombstones(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        _pull(h)
        h.crm.delete("Invoice__c", "I1-0")
        h.crm.tick(60)
        _pull(h)
        held = {i: d for _s, i, d, _p in snapshots.records(h.store)["invoice"]}
        assert held["I1-0"] is True or held["I1-0"] == 1
        assert sum(1 for d in held.values() if d) == 1


def test_a_full_sync_tombstones_hard_deleted_records(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        _pull(h)
        h.crm.delete("Invoice__c", "I2-1", hard=True)  # purged: never in the delete log
        h.crm.tick(60)
        _pull(h)
        assert not any(d for _s, _i, d, _p in snapshots.records(h.store)["invoice"])
        _pull(h, full=True)
        deleted = {i for _s, i, d, _p in snapshots.records(h.store)["invoice"] if d}
        assert deleted == {"I2-1"}


class ListingConnector(FakeConnector):
    """A CRM that forgets hard deletes but can list the ids it still holds (as Fxiaoke can)."""

    due: list[bool]  # shared by the connectors of one test: is a listing due this run

    def pull_live_ids(self, kind: ObjectKind, window: Window) -> Iterator[str] | None:
        """Every id of the object, when due."""
        if not self.due[0]:
            return None
        return iter(list(self.crm.objects.get(self._object(kind), {})))


def test_a_connector_listing_live_ids_finds_hard_deletes_in_an_incremental_pull(store_target: Target) -> None:
    due = [False]

    def listing(source: str, settings: Any, context: Any) -> ListingConnector:
        connector = ListingConnector(source, settings, h.crm)
        connector.due = due
        return connector

    with harness(store_target) as h:
        register_connector("salesforce", listing)
        _seed(h)
        _pull(h)
        h.crm.delete("Invoice__c", "I2-1", hard=True)  # purged: never in the delete log
        h.crm.tick(60)
        _pull(h)
        assert not any(d for _s, _i, d, _p in snapshots.records(h.store)["invoice"])  # not due: nothing found
        due[0] = True
        h.crm.tick(60)
        _pull(h)
        deleted = {i for _s, i, d, _p in snapshots.records(h.store)["invoice"] if d}
        assert deleted == {"I2-1"}
        assert not any(d for _s, _i, d, _p in snapshots.records(h.store)["account"])


def test_a_crashed_full_sync_resumes_its_pass_and_still_reconciles(store_target: Target) -> None:
    with harness(store_target, checkpoint_every=2) as h:
        _seed(h)
        _pull(h)
        h.crm.delete("Invoice__c", "I0-0", hard=True)
        h.crm.tick(60)
        with pytest.raises(SimulatedCrash):
            _pull(h, full=True, faults=Faults(crash_after_records=5))
        _pull(h, faults=Faults())  # an ordinary run finishes the interrupted full pass
        deleted = {i for _s, i, d, _p in snapshots.records(h.store)["invoice"] if d}
        assert deleted == {"I0-0"}


def test_a_budget_stop_checkpoints_and_the_next_run_resumes(store_target: Target) -> None:
    with harness(store_target, checkpoint_every=100) as h:
        _seed(h, accounts=2, invoices_each=3)
        engine = h.engine(Faults(quota_after_records=4))
        report = engine.pull_source("sf")
        engine._finish(report)
        assert report.outcome == "budget_stop"
        held = snapshots.records(h.store)
        assert len(held["account"]) == 2 and len(held["invoice"]) == 2  # flushed before stopping
        _pull(h, faults=Faults())
        assert len(snapshots.records(h.store)["invoice"]) == 6


def test_a_record_fetched_by_id_during_an_unfinished_full_pass_counts_as_seen_by_it(store_target: Target) -> None:
    with harness(store_target, checkpoint_every=2) as h:
        _seed(h)
        _pull(h)
        h.crm.tick(60)
        with pytest.raises(SimulatedCrash):
            _pull(h, full=True, faults=Faults(crash_after_records=7))
        with h.store.read() as conn:
            checkpoint = load_pull_state(conn, "sf", "invoice").checkpoint
        assert checkpoint is not None and checkpoint.full_pass is not None
        # Committed late, stamped before the pass's checkpoint: the resumed pass will not read it.
        invoice(h.crm, "LATE", "A0", amount="42", stamp=checkpoint.after.stamp - timedelta(days=1))  # type: ignore[union-attr]
        h.engine(Faults()).fetch_changes("sf", "invoice", ["LATE"])
        _pull(h, faults=Faults())  # finishes the full pass and reconciles
        live = {i for _s, i, d, _p in snapshots.records(h.store)["invoice"] if not d}
        assert "LATE" in live
