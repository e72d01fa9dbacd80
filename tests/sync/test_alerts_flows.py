"""Reviews, dunning and the digest over the store: reviews reset the clock, promises pause escalation,
the digest goes out once per period (to a local SMTP sink)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from connectors.errors import ConfigError, TransientError
from sync.digest import send_digest
from sync.dunning import drafts
from sync.reviews import record_review
from sync.store import Store
from sync.store.alerts import digest_sent, list_tasks
from sync.store.schema import audit
from sync.worker import Worker
from tests.credit_core.builders import open_invoice, paid_history, solid_account
from tests.sync.flows import NOW, config, current, evaluate, put
from tests.sync.queue_helpers import sqlite_queue

ALICE = "alice@example.com"


def _config(**alerts: Any) -> Any:
    return config("sqlite://", users={ALICE: "alice-token"}, alerts=alerts)


def test_review_due_queues_one_review_task_and_recording_the_review_resets_the_date(store: Store) -> None:
    put(store, [solid_account("A1", name="Acme", owner_crm_id="005X"), *paid_history(6, prefix="a", account_id="A1")])
    cfg = _config()
    evaluate(cfg, store)
    due = current(store, "A1").next_review_on
    assert due is not None
    day = NOW.replace(year=due.year, month=due.month, day=due.day)
    evaluate(cfg, store, day)
    evaluate(cfg, store, day + timedelta(hours=1))  # unchanged: no second task
    assert "REVIEW_DUE" in current(store, "A1").flags
    with store.read() as conn:
        [task] = list_tasks(conn, "sf")
    assert task.kind == "review" and task.owner_crm_id == "005X" and task.state == "pending"
    report = record_review(cfg, store, ("sf", "A1"), "Orders steady, limit fine", ALICE, lambda: day)
    after = current(store, "A1")
    assert report.changed == 1 and after.last_review_on == due and "REVIEW_DUE" not in after.flags
    assert after.next_review_on is not None and after.next_review_on > due
    with store.read() as conn:
        row = conn.execute(sa.select(audit).where(audit.c.event == "review")).one()
        decisions = sa.select(audit).where(audit.c.event == "decision").order_by(audit.c.id.desc())
        decision_row = conn.execute(decisions).first()
    assert row.actor == ALICE and "Orders steady" in row.after
    assert decision_row is not None and decision_row.actor == ALICE and decision_row.trigger == "user"


def test_a_review_needs_a_known_user_an_outcome_and_a_stored_account(store: Store) -> None:
    put(store, [solid_account("A1")])
    cfg = _config()
    with pytest.raises(ConfigError, match="not a \\[users\\] entry"):
        cfg.user("mallory@example.com")
    with pytest.raises(ConfigError, match="--outcome"):
        record_review(cfg, store, ("sf", "A1"), "  ", ALICE, lambda: NOW)
    with pytest.raises(ConfigError, match="no account"):
        record_review(cfg, store, ("sf", "NOPE"), "fine", ALICE, lambda: NOW)


def test_a_promise_to_pay_taken_in_a_review_pauses_escalation_until_it_passes(store: Store) -> None:
    put(store, [solid_account("A1", name="Acme"), open_invoice("late", 10, account_id="A1")])
    cfg = _config()
    evaluate(cfg, store)
    assert current(store, "A1").dunning_stage == "reminder"
    promised = (NOW + timedelta(days=20)).date()
    record_review(cfg, store, ("sf", "A1"), "Will pay on the 18th", ALICE, lambda: NOW, promised)
    for days in (5, 12, 20):
        evaluate(cfg, store, NOW + timedelta(days=days))
        assert current(store, "A1").dunning_stage == "reminder", days
    [draft] = list(drafts(cfg, store, promised))
    assert (draft.stage, draft.paused_until) == ("reminder", promised)
    evaluate(cfg, store, NOW + timedelta(days=21))
    assert current(store, "A1").dunning_stage == "second"  # 31 days late, the promise broken
    [draft] = list(drafts(cfg, store, promised + timedelta(days=1)))
    assert (draft.stage, draft.paused_until) == ("second", None)


class _Sink:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[_Sink, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def test_the_digest_is_sent_once_per_period(store: Store, smtp_sink: tuple[_Sink, int]) -> None:
    sink, port = smtp_sink
    put(store, [solid_account("A1", name="Acme"), solid_account("B2", name="Bolt"),
                *paid_history(6, prefix="a", account_id="A1")])  # fmt: skip
    cfg = _config(smtp_url=f"smtp://127.0.0.1:{port}", to=["credit@example.com"], sender="credit-bot@example.com")
    evaluate(cfg, store, NOW - timedelta(hours=2))
    put(store, [open_invoice("late", 100, account_id="A1", amount="900000.00")])
    evaluate(cfg, store)
    tomorrow = NOW + timedelta(days=1)
    digest = send_digest(cfg, store, "daily", lambda: tomorrow)
    assert digest is not None and digest.summary() == {"new_flags": 1, "new_holds": 1, "holds": 1}
    [(recipients, message)] = sink.messages
    assert recipients == ["credit@example.com"] and message["From"] == "credit-bot@example.com"
    assert message["Subject"].strip() == "Credit digest 2026-11-28: new flags on 1 account, 1 new hold, 1 on hold"
    body = message.get_content().replace("\r\n", "\n")
    assert "Acme (sf/A1): OVER_LIMIT, PAST_DUE_90, SCORE_DOWNGRADE (now HOLD)" in body
    assert "On hold now: 1\n- Acme (sf/A1): 900,000 USD owed" in body
    assert "Credit usage (exposure / limits):\n- USD: 900,000 USD of" in body
    assert "Most used limits:\n- Acme (sf/A1): 600% of 150,000 USD (750,000 USD over, 900,000 USD overdue)" in body
    assert send_digest(cfg, store, "daily", lambda: tomorrow + timedelta(hours=5)) is None  # a re-run: not again
    assert len(sink.messages) == 1
    assert send_digest(cfg, store, "weekly", lambda: tomorrow) is not None  # another period, its own digest
    assert len(sink.messages) == 2


def test_a_digest_that_could_not_be_sent_goes_out_on_the_next_run(store: Store, smtp_sink: tuple[_Sink, int]) -> None:
    sink, port = smtp_sink
    put(store, [solid_account("A1")])
    evaluate(_config(), store)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the probe is closed
    down = _config(smtp_url=f"smtp://127.0.0.1:{closed}", to=["credit@example.com"])
    with pytest.raises(TransientError, match=f"127.0.0.1:{closed}"):
        send_digest(down, store, "daily", lambda: NOW)
    with store.read() as conn:
        assert not digest_sent(conn, "daily:2026-11-27")
    up = _config(smtp_url=f"smtp://127.0.0.1:{port}", to=["credit@example.com"])
    assert send_digest(up, store, "daily", lambda: NOW) is not None and len(sink.messages) == 1
    with pytest.raises(ConfigError, match="smtp_url"):
        send_digest(_config(), store, "daily", lambda: NOW)


def test_the_worker_schedule_sends_the_configured_digest_once(
    store: Store, smtp_sink: tuple[_Sink, int], tmp_path: Path
) -> None:
    sink, port = smtp_sink
    put(store, [solid_account("A1")])
    cfg = _config(smtp_url=f"smtp://127.0.0.1:{port}", to=["credit@example.com"], digest="weekly")
    evaluate(cfg, store)
    jobs = sqlite_queue(tmp_path)
    try:
        worker = Worker(cfg, store, jobs, clock=lambda: NOW)
        worker.send_digest()
        worker.send_digest()
        Worker(_config(to=["credit@example.com"]), store, jobs, clock=lambda: NOW).send_digest()  # no server: skipped
    finally:
        jobs.close()
    [(_, message)] = sink.messages
    assert message["Subject"].strip().startswith("Credit digest week 2026-W47 (2026-11-16 to 2026-11-22)")
