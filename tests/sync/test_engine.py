"""The whole `sync`: pull, evaluate, push — stable re-runs, echoes, crashes, worker hooks."""

from __future__ import annotations

from typing import Any

import pytest

from sync import evaluation
from sync.store import Store
from tests.fakes.fake_crm import Faults
from tests.sync import snapshots
from tests.sync.builders import WRITEBACK, Harness, account, harness, invoice

Target = tuple[Store, str, str | None]


def _seed(h: Harness, n: int = 4) -> None:
    for a in range(n):
        account(h.crm, f"A{a}", name=f"Customer {a}", parent="A0" if a == 1 else None)
        invoice(h.crm, f"I{a}", f"A{a}", amount=str(1000 * (a + 1)))
        invoice(h.crm, f"J{a}", f"A{a}", amount="250", Due__c="2026-10-05")
        h.crm.tick()
    h.crm.tick(60)


def test_a_first_sync_writes_every_account_and_an_unchanged_rerun_writes_nothing(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h)
        report = h.engine().sync()
        assert report.evaluation is not None and report.evaluation.evaluated == 4
        assert report.sources["sf"].push is not None and report.sources["sf"].push.sent == 4
        written = {w["crm_id"] for w in h.crm.writes}
        assert written == {"A0", "A1", "A2", "A3"}
        assert set(h.crm.writes[0]["values"]) <= set(WRITEBACK.values())
        h.crm.tick(600)
        again = h.engine().sync()
        assert again.sources["sf"].push is not None and again.sources["sf"].push.sent == 0
        assert not again.problems
        h.crm.tick(86400)  # the next day: nothing crossed a threshold
        next_day = h.engine().sync()
        assert next_day.sources["sf"].push is not None and next_day.sources["sf"].push.sent == 0
        assert len(h.crm.writes) == 4


def test_our_write_echoed_by_the_next_pull_triggers_no_reevaluation_and_no_write(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h, n=2)
        h.engine().sync()
        writes = len(h.crm.writes)
        h.crm.tick(60)
        engine = h.engine()
        changed = engine.fetch_changes("sf", "account", ["A0", "A1"])  # the CRM notifies our own update
        assert changed == set()
        report = engine.recalculate("sf", changed)
        assert report.evaluated == 0 and len(h.crm.writes) == writes


def test_a_paid_invoice_fetched_by_id_recalculates_its_account_and_group(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h, n=3)
        h.engine().sync()
        h.crm.tick()
        invoice(h.crm, "I1", "A1", amount="2000", Balance__c=0.0, Status__c="Paid")
        h.crm.tick(5)
        engine = h.engine()
        changed = engine.fetch_changes("sf", "invoice", ["I1"])
        assert changed == {"A1"}
        report = engine.recalculate("sf", changed)
        assert report.evaluated == 2  # A1 and its parent A0, not A2


def test_a_webhook_for_an_unknown_account_brings_it_in_with_its_invoices(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h, n=1)
        h.engine().sync()
        account(h.crm, "NEW", name="New customer")
        invoice(h.crm, "N1", "NEW", amount="700")
        h.crm.tick(5)
        changed = h.engine().fetch_changes("sf", "invoice", ["N1"])
        assert changed == {"NEW"}
        ids = {i for _s, i, d, _p in snapshots.records(h.store)["invoice"]}
        assert "N1" in ids


def test_an_evaluation_that_crashes_midway_resumes_to_the_same_decisions_and_writes(
    store_target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness(store_target) as h:
        _seed(h, n=5)
        h.engine().sync()
        clean = (snapshots.decisions_without_time(h.store), sorted(map(str, h.crm.writes)))
        snapshots.wipe(h.store)
        h.crm.writes.clear()
        for a in range(5):  # forget what was written, as a fresh CRM would
            for f in WRITEBACK.values():
                h.crm.row("Account", f"A{a}").pop(f, None)
        h.crm.tick(60)  # time passes: our writes' stamps lie before the next run's start
        monkeypatch.setattr(evaluation, "_CHUNK", 2)
        original = evaluation.Evaluator._decide
        calls = {"n": 0}

        def crashing(self: Any, chunk: Any, groups: Any, now: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("simulated crash in evaluate")
            original(self, chunk, groups, now)

        monkeypatch.setattr(evaluation.Evaluator, "_decide", crashing)
        with pytest.raises(RuntimeError):
            h.engine().sync()
        monkeypatch.setattr(evaluation.Evaluator, "_decide", original)
        h.engine().sync()
        assert snapshots.decisions_without_time(h.store) == clean[0]
        assert sorted(map(str, h.crm.writes)) == clean[1]


def test_a_budget_stop_ends_the_run_with_problems_and_no_push(store_target: Target) -> None:
    with harness(store_target, checkpoint_every=2) as h:
        _seed(h, n=3)
        report = h.engine(Faults(quota_after_records=4)).sync()
        assert report.problems and report.sources["sf"].outcome == "budget_stop"
        assert h.crm.writes == []
        assert not h.engine(Faults()).sync().problems


def test_quarantine_makes_the_run_report_problems_only_while_it_happens(store_target: Target) -> None:
    with harness(store_target) as h:
        _seed(h, n=1)
        invoice(h.crm, "BAD", "A0", Amount__c="n/a")
        h.crm.tick(60)
        assert h.engine().sync().problems
        h.crm.tick(3600)
        assert not h.engine().sync().problems  # still held, but not a problem of this run
        assert ("invoice", "BAD") in snapshots.quarantined(h.store)
