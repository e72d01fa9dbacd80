"""The queue's worker over the fake CRM: fetch by id, recalculate under a group lease, echoes, schedules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import TransientError
from sync.cooldown import STEPS, STREAK_GAP, rest
from sync.queue import JobQueue
from sync.status import recalculations
from sync.store import Store, leases
from sync.worker import GROUP_LEASE, Worker
from tests.sync.builders import Harness, account, harness, invoice
from tests.sync.queue_helpers import drain, sqlite_queue

Target = tuple[Store, str, str | None]


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[JobQueue]:
    queue = sqlite_queue(tmp_path)
    yield queue
    queue.close()


def _seed(h: Harness) -> None:
    account(h.crm, "A0", name="Parent")
    account(h.crm, "A1", name="Child", parent="A0")
    account(h.crm, "A2", name="Alone")
    for a in range(3):
        invoice(h.crm, f"I{a}", f"A{a}", amount="4000")
        invoice(h.crm, f"J{a}", f"A{a}", amount="25000", Due__c="2026-10-05")  # 27 days overdue
    h.crm.tick(60)


def _worker(h: Harness, jobs: JobQueue) -> Worker:
    return Worker(h.config, h.store, jobs, clock=lambda: h.crm.now).attach()


def _nothing_left_to_write(h: Harness) -> None:
    """A full pull and evaluation a minute later finds nothing the worker left uncorrected."""
    h.crm.tick(60)
    check = h.engine().sync()
    assert check.sources["sf"].push is not None and check.sources["sf"].push.sent == 0


def _pay(h: Harness, invoice_id: str) -> None:
    h.crm.tick()
    h.crm.put("Invoice__c", invoice_id, Balance__c=0.0, Status__c="Paid")


def test_a_paid_invoice_is_fetched_and_its_account_rewritten_to_what_a_full_sync_would_write(
    store_target: Target, jobs: JobQueue
) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        writes = len(h.crm.writes)
        _pay(h, "J2")
        worker = _worker(h, jobs)
        jobs.submit_changes("sf", "invoice", ["J2"])
        drain(jobs)
        assert [w["crm_id"] for w in h.crm.writes[writes:]] == ["A2"]
        assert recalculations(h.store) == {("sf", "A2"): 1}
        _nothing_left_to_write(h)
        worker.close()


def test_our_own_write_echoed_by_a_notification_triggers_nothing(store_target: Target, jobs: JobQueue) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        _pay(h, "J2")
        worker = _worker(h, jobs)
        jobs.submit_changes("sf", "invoice", ["J2"])
        drain(jobs)
        writes = len(h.crm.writes)
        jobs.submit_changes("sf", "account", ["A2"])  # the CRM tells us about the account we just wrote
        assert drain(jobs) == 1  # the fetch, and no recalculation after it
        assert len(h.crm.writes) == writes and recalculations(h.store) == {("sf", "A2"): 1}
        worker.close()


def test_an_invoice_of_an_account_not_yet_stored_brings_the_account_and_its_records(
    store_target: Target, jobs: JobQueue
) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        account(h.crm, "A9", name="New customer")
        invoice(h.crm, "I9", "A9", amount="1000")
        invoice(h.crm, "J9", "A9", amount="3000", Due__c="2026-10-05")
        h.crm.tick()
        worker = _worker(h, jobs)
        jobs.submit_changes("sf", "invoice", ["I9"])
        drain(jobs)
        assert h.connector.calls.count("fetch_for_accounts:invoice") == 1
        assert any(w["crm_id"] == "A9" for w in h.crm.writes)
        _nothing_left_to_write(h)  # J9 came with its account: nothing is left to correct
        worker.close()


def test_a_group_another_worker_holds_is_deferred_then_done(store_target: Target, jobs: JobQueue) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        _pay(h, "J1")
        worker = _worker(h, jobs)
        with h.store.write() as conn:  # another worker has been deciding the group of A1 (root A0) for 0.2 s
            assert leases.try_acquire(conn, "group:sf:A0", "other", h.crm.now - timedelta(seconds=0.2), GROUP_LEASE)
        writes = len(h.crm.writes)
        asked = datetime.now(UTC).replace(tzinfo=None)  # huey's etas are naive UTC
        jobs.submit_changes("sf", "invoice", ["J1"])
        drain(jobs)
        answered = datetime.now(UTC).replace(tzinfo=None)
        assert len(h.crm.writes) == writes and recalculations(h.store) == {}
        (retry,) = jobs.huey.scheduled()  # when that decision's first rest ends, not a fixed while later
        left = STEPS[0] - timedelta(seconds=0.2)
        assert asked + left <= retry.eta <= answered + left
        with h.store.write() as conn:
            leases.release(conn, ["group:sf:A0"], "other")
        drain(jobs, include_scheduled=True)
        assert recalculations(h.store) == {("sf", "A1"): 1}
        assert "A1" in {w["crm_id"] for w in h.crm.writes[writes:]}
        worker.close()


def test_two_accounts_of_one_group_are_decided_in_one_run_under_one_lease(store_target: Target, jobs: JobQueue) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        _pay(h, "J0")
        _pay(h, "J1")
        worker = _worker(h, jobs)
        jobs.submit_changes("sf", "invoice", ["J0", "J1"])
        drain(jobs)
        assert recalculations(h.store) == {("sf", "A0"): 1, ("sf", "A1"): 1}
        with h.store.read() as conn:  # given back, to a first rest
            assert list(leases.last_rests(conn, ["group:sf:A0", "group:sf:A1"])) == ["group:sf:A0"]
            assert leases.holder(conn, "group:sf:A0", h.crm.now + 2 * STEPS[0]) is None
        worker.close()


def test_a_members_recalculation_asked_for_before_its_group_was_decided_has_nothing_left_to_do(
    store_target: Target, jobs: JobQueue
) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        _pay(h, "J0")
        _pay(h, "J1")
        worker = _worker(h, jobs)
        assert h.engine().fetch_changes("sf", "invoice", ["J0", "J1"]) == {"A0", "A1"}
        jobs.submit_recalculations("sf", ["A1"])
        jobs.submit_recalculations("sf", ["A0"])
        first = jobs.dequeue_nowait()
        assert first is not None
        jobs.huey.execute(first)  # A1's job alone decides the whole group, A0 (and its paid invoice) included
        drain(jobs)
        assert recalculations(h.store) == {("sf", "A1"): 1}
        assert jobs.scheduled() == 0 and jobs.waiting_changes() == 0  # A0's job was not deferred: it was done
        _nothing_left_to_write(h)
        worker.close()


def test_a_recalculation_failing_transiently_stays_pending_for_its_retry(
    store_target: Target, jobs: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        _pay(h, "J2")
        worker = _worker(h, jobs)
        engine = worker.engine()
        decide = engine.recalculate
        failures = iter([TransientError("the CRM answered 503")])

        def flaky(*args: Any, **kwargs: Any) -> Any:
            for failure in failures:
                raise failure
            return decide(*args, **kwargs)

        monkeypatch.setattr(engine, "recalculate", flaky)
        jobs.submit_changes("sf", "invoice", ["J2"])
        drain(jobs)
        assert recalculations(h.store) == {} and jobs.scheduled() == 1  # huey retries it later
        h.crm.tick(STEPS[0].total_seconds() + 1)  # the failed run's group cools down as any other
        drain(jobs, include_scheduled=True)
        assert recalculations(h.store) == {("sf", "A2"): 1}
        worker.close()


def _rest_of(h: Harness, name: str) -> tuple[int, float]:
    """(step, seconds left by the CRM's clock) of a group's rest."""
    with h.store.read() as conn:
        step, until = leases.last_rests(conn, [name])[name]
    return step, (until - h.crm.now).total_seconds()


def _change_i2(h: Harness, jobs: JobQueue, balance: float) -> None:
    h.crm.put("Invoice__c", "I2", Balance__c=balance)
    jobs.submit_changes("sf", "invoice", ["I2"])
    drain(jobs)


@contextmanager
def _synced(store_target: Target, jobs: JobQueue) -> Iterator[Harness]:
    """The seeded book synced once, with a worker attached (closed afterwards)."""
    with harness(store_target) as h:
        _seed(h)
        h.engine().sync()
        worker = _worker(h, jobs)
        yield h
        worker.close()


def _just_after_the_rest(h: Harness) -> None:
    h.crm.tick(max(_rest_of(h, "group:sf:A2")[1], 0.0) + 0.1)


def test_changes_while_a_group_rests_wait_for_the_rest_and_merge_into_one_run(
    store_target: Target, jobs: JobQueue
) -> None:
    with _synced(store_target, jobs) as h:
        _pay(h, "J2")
        jobs.submit_changes("sf", "invoice", ["J2"])
        drain(jobs)  # the first change of a quiet group is decided at once
        for balance in (3500.0, 3200.0):  # each changed again just after its rest: the rests grow
            _just_after_the_rest(h)
            _change_i2(h, jobs, balance)
        assert recalculations(h.store) == {("sf", "A2"): 3}
        step, left = _rest_of(h, "group:sf:A2")
        assert step == 2 and left > 0
        for balance in (3000.0, 2000.0, 1000.0):
            h.crm.tick(left / 4)  # three changes within the rest
            _change_i2(h, jobs, balance)
        assert recalculations(h.store) == {("sf", "A2"): 3}  # waiting for the group's rest to end
        assert jobs.scheduled() == 1
        h.crm.tick(left)
        drain(jobs, include_scheduled=True)
        assert recalculations(h.store) == {("sf", "A2"): 4}
        _nothing_left_to_write(h)  # the merged run decided on the last balance


def test_a_group_rests_longer_each_time_it_is_decided_again_and_starts_over_after_a_quiet_spell(
    store_target: Target, jobs: JobQueue
) -> None:
    with _synced(store_target, jobs) as h:
        steps: list[int] = []
        for balance in (3000.0, 2000.0, 1000.0, 500.0, 400.0):
            _change_i2(h, jobs, balance)
            steps.append(_rest_of(h, "group:sf:A2")[0])
            _just_after_the_rest(h)
        h.crm.tick(STREAK_GAP.total_seconds())
        _change_i2(h, jobs, 300.0)
        steps.append(_rest_of(h, "group:sf:A2")[0])
        assert steps == [0, 1, 2, 3, 3, 0]
        assert [rest(step) for step in steps] == [STEPS[0], STEPS[1], STEPS[2], STEPS[3], STEPS[3], STEPS[0]]
        assert recalculations(h.store) == {("sf", "A2"): 6}


def test_a_periodic_task_enqueued_by_two_schedulers_runs_once_per_period(store_target: Target, jobs: JobQueue) -> None:
    with harness(store_target) as h:
        _seed(h)
        worker = _worker(h, jobs)
        worker.periodic_sync()
        worker.periodic_sync()  # the second worker process's scheduler enqueued it too
        assert h.connector.calls.count("pull_changed:account") == 1
        h.crm.tick(900)
        worker.periodic_sync()  # the next period
        assert h.connector.calls.count("pull_changed:account") == 2
        worker.close()
