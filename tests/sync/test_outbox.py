"""Write-back: only changed fields, per-record outcomes, retries with backoff, crash-safe reconciliation."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from sync.outbox import Pusher, plan_writes, retry_delay
from sync.store import Store
from sync.store.schema import audit
from tests.fakes.fake_crm import Faults, SimulatedCrash
from tests.sync import snapshots
from tests.sync.builders import Harness, account, harness

Target = tuple[Store, str, str | None]


def _values(limit: str, status: str = "OK") -> dict[str, Any]:
    return {"Credit_Limit__c": Decimal(limit), "Credit_Status__c": status}


def _plan(h: Harness, desired: Mapping[str, Mapping[str, Any]]) -> int:
    with h.store.write() as conn:
        return plan_writes(conn, "sf", "Account", desired, h.crm.now)


def _push(h: Harness, faults: Faults | None = None) -> Any:
    engine = h.engine(faults)
    return Pusher(h.store, engine.connector("sf"), "sf", engine.clock).run()


def _setup(h: Harness, n: int = 4) -> None:
    for i in range(n):
        account(h.crm, f"A{i}")
    h.crm.tick(60)
    engine = h.engine()
    engine._finish(engine.pull_source("sf"))


def _writes_of(h: Harness, crm_id: str) -> list[dict[str, str]]:
    return [w["values"] for w in h.crm.writes if w["crm_id"] == crm_id]


def test_changed_fields_are_sent_once_and_an_unchanged_plan_sends_nothing(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h)
        desired = {f"A{i}": _values("5000") for i in range(4)}
        assert _plan(h, desired) == 4
        report = _push(h)
        assert report.sent == 4 and not report.problems
        assert h.connector.calls.count("push") == 2  # batches of 3
        assert _plan(h, desired) == 0
        assert _push(h).sent == 0
        assert _plan(h, {"A0": _values("5000", status="HOLD")}) == 1
        _push(h)
        assert _writes_of(h, "A0")[-1] == {"Credit_Status__c": "HOLD"}  # only the changed field


def test_a_rejected_record_is_not_retried_and_does_not_block_its_batch(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h, n=3)
        rule = Faults(reject=lambda crm_id, values: "limit too high" if crm_id == "A1" else None)
        _plan(h, {f"A{i}": _values("9000") for i in range(3)})
        report = _push(h, rule)
        assert (report.sent, report.rejected) == (2, 1)
        states = {crm_id: state for crm_id, state, _v in snapshots.outbox_states(h.store)}
        assert states == {"A0": "sent", "A1": "rejected", "A2": "sent"}
        assert _plan(h, {f"A{i}": _values("9000") for i in range(3)}) == 0  # same values: not again
        assert _plan(h, {"A1": _values("8000")}) == 1  # new values: a new attempt
        with h.store.read() as conn:
            events = conn.execute(sa.select(audit.c.event, audit.c.crm_id)).all()
        assert ("write_rejected", "A1") in [tuple(e) for e in events]


def test_a_transient_failure_is_retried_with_backoff_on_a_later_run(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h, n=2)
        _plan(h, {"A0": _values("100"), "A1": _values("200")})
        report = _push(h, Faults(transient_failures={"A1": 1}))
        assert (report.sent, report.failed) == (1, 1)
        assert _push(h).sent == 0  # not due yet
        h.crm.tick(retry_delay(1).total_seconds() + 1)
        assert _push(h).sent == 1
        assert len(_writes_of(h, "A1")) == 1


def test_writes_in_flight_at_a_crash_are_reconciled_before_anything_is_resent(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h, n=5)
        _plan(h, {f"A{i}": _values("700") for i in range(5)})
        with pytest.raises(SimulatedCrash):
            _push(h, Faults(crash_on_push_batch=1))  # the CRM applied batch 1, we never heard back
        assert [s for _i, s, _v in snapshots.outbox_states(h.store)].count("in_flight") == 3
        report = _push(h, Faults())
        assert report.reconciled == 3 and report.sent == 2
        assert all(len(_writes_of(h, f"A{i}")) == 1 for i in range(5))  # nobody got the value twice


def test_a_write_of_unknown_outcome_that_never_landed_is_sent_after_reconciliation(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h, n=1)
        _plan(h, {"A0": _values("300")})
        report = _push(h, Faults(push_error_on_batch=1))
        assert report.unknown == 1 and report.problems
        report = _push(h, Faults())
        assert (report.reconciled, report.sent) == (1, 1)
        assert len(_writes_of(h, "A0")) == 1


def test_our_own_write_read_back_by_a_pull_is_an_echo_and_changes_nothing(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h, n=2)
        _plan(h, {"A0": _values("1200"), "A1": _values("1300")})
        _push(h)
        h.crm.tick(60)
        engine = h.engine()
        report = engine.pull_source("sf")
        engine._finish(report)
        accounts = report.objects[0]
        assert accounts.read == 2 and accounts.crm_edits == 0  # the stamps moved, the values are ours
        assert engine.fetch_changes("sf", "account", ["A0", "A1"]) == set()  # as a webhook would see it
        assert _plan(h, {"A0": _values("1200"), "A1": _values("1300")}) == 0


def test_a_crm_side_edit_of_our_field_is_audited_and_overwritten(store_target: Target) -> None:
    with harness(store_target) as h:
        _setup(h, n=1)
        _plan(h, {"A0": _values("1000")})
        _push(h)
        h.crm.tick()
        h.crm.put("Account", "A0", Credit_Limit__c=99999.0)  # a user types over our limit
        h.crm.tick(60)
        engine = h.engine()
        report = engine.pull_source("sf")
        engine._finish(report)
        assert report.objects[0].crm_edits == 1
        with h.store.read() as conn:
            row = conn.execute(sa.select(audit).where(audit.c.event == "crm_edit")).one()
        assert '"1000"' in row.before and '"99999"' in row.after
        assert _plan(h, {"A0": _values("1000")}) == 1
        _push(h)
        assert h.crm.row("Account", "A0")["Credit_Limit__c"] == Decimal("1000")
        assert _writes_of(h, "A0")[-1] == {"Credit_Limit__c": "1000"}
