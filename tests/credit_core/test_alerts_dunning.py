"""Which decision changes make a task for the owner, and dunning stages, charges, notices and the promise pause."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from credit_core import evaluate_account
from credit_core.alerts import task_drafts
from credit_core.dunning import invoice_stages, notice_drafts
from credit_core.plan import plan_of
from credit_core.policy import load_policy

from .builders import AS_OF, open_invoice, paid_history, policy_with, solid_account

POLICY = load_policy()
PLAN = plan_of(POLICY)


def owned(**values: object):  # type: ignore[no-untyped-def]
    return solid_account(owner_crm_id="005OWNER", name="Acme Ltd", **values)


def test_first_decision_sets_the_baseline_and_alerts_nobody() -> None:
    decision = evaluate_account(owned(), [open_invoice("x", 100)], [], POLICY, AS_OF)
    assert decision.status == "HOLD"
    assert task_drafts(owned(), None, decision, PLAN, AS_OF) == []


def test_a_hold_makes_one_high_priority_task_for_the_owner_due_today() -> None:
    before = evaluate_account(owned(), paid_history(6), [], POLICY, AS_OF)
    after = evaluate_account(owned(), [*paid_history(6), open_invoice("x", 100)], [], POLICY, AS_OF, previous=before)
    assert (before.status, after.status) == ("OK", "HOLD")
    [task] = task_drafts(owned(), before, after, PLAN, AS_OF)
    assert task.kind == "status" and task.priority == "High" and task.due_on == AS_OF
    assert task.owner_crm_id == "005OWNER" and task.account_crm_id == "001A"
    assert task.subject.startswith("Credit hold: Acme Ltd")
    assert "OK -> HOLD" in task.description and "PAST_DUE_90" in task.description
    # the same transition evaluated again the same day is the same change
    assert task_drafts(owned(), before, after, PLAN, AS_OF)[0].change_key == task.change_key
    assert task_drafts(owned(), after, after, PLAN, AS_OF) == []  # nothing changed, nothing to do


def test_a_new_flag_without_a_worse_status_still_tells_the_owner() -> None:
    before = evaluate_account(owned(), [*paid_history(6), open_invoice("x", 40)], [], POLICY, AS_OF)
    later = AS_OF + timedelta(days=25)
    after = evaluate_account(owned(), [*paid_history(6), open_invoice("x", 40)], [], POLICY, later, previous=before)
    assert before.status == after.status == "WATCH"
    assert "PAST_DUE_60" in after.flags and "PAST_DUE_60" not in before.flags
    [task] = task_drafts(owned(), before, after, PLAN, later)
    assert task.kind == "flags" and task.priority == "Normal" and task.due_on == later + timedelta(days=3)
    assert "More than 60 days past due" in task.subject


def test_review_due_makes_a_contact_the_customer_task_and_nothing_else() -> None:
    before = evaluate_account(owned(), paid_history(6), [], POLICY, AS_OF)
    assert before.next_review_on is not None
    later = before.next_review_on
    after = evaluate_account(owned(), paid_history(6, as_of=later), [], POLICY, later, previous=before)
    assert "REVIEW_DUE" in after.flags and after.status == "WATCH"
    [task] = task_drafts(owned(), before, after, PLAN, later)
    assert task.kind == "review" and task.subject.startswith("Contact the customer: review credit needs")


def test_each_overdue_invoice_gets_its_stage_and_interest_only_where_the_policy_sets_it() -> None:
    invoices = [open_invoice("a", 5), open_invoice("b", 20), open_invoice("c", 45, amount="3650.00"),
                open_invoice("d", -3), open_invoice("e", 95)]  # fmt: skip
    lines = invoice_stages(invoices, POLICY.dunning, AS_OF)
    assert [(line.crm_id, line.stage) for line in lines] == [("e", "legal"), ("c", "second"), ("b", "first"),
                                                              ("a", "reminder")]  # fmt: skip
    assert all(line.interest == 0 for line in lines)  # the built-in policy charges nothing
    charging = policy_with({"dunning.interest_rate_pct": 10, "dunning.fees": {"second": "25"}}).dunning
    by_id = {line.crm_id: line for line in invoice_stages(invoices, charging, AS_OF)}
    assert by_id["c"].interest == Decimal("45.00")  # 3,650 x 10 % x 45 / 365
    assert by_id["b"].interest == 0  # before the "second" stage no interest runs
    [second] = [d for d in notice_drafts(owned(), invoices, None, charging, AS_OF) if d.stage == "second"]
    assert (second.outstanding, second.interest, second.fee, second.total) == (
        Decimal("3650.00"), Decimal("45.00"), Decimal("25"), Decimal("3720.00"))  # fmt: skip
    assert "Total due now: 3,720.00 USD" in second.body and "INV-c" in second.body


def test_a_promise_to_pay_pauses_escalation_until_the_promised_day_has_passed() -> None:
    promised = AS_OF + timedelta(days=20)
    acct = owned(promise_to_pay_on=promised)
    invoices = [open_invoice("x", 10)]
    first = evaluate_account(acct, invoices, [], POLICY, AS_OF)
    assert first.dunning_stage == "reminder"
    day, decision = AS_OF, first
    while day < promised:
        day += timedelta(days=1)
        decision = evaluate_account(acct, invoices, [], POLICY, day, previous=decision)
        assert decision.dunning_stage == "reminder", day  # 30 days late by now, yet no escalation
    drafts = notice_drafts(acct, invoices, decision, POLICY.dunning, day)
    assert [(d.stage, d.paused_until) for d in drafts] == [("reminder", promised)]
    after = evaluate_account(acct, invoices, [], POLICY, day + timedelta(days=1), previous=decision)
    assert after.dunning_stage == "second"  # the promise was broken: escalation resumes at once
    unpaused = notice_drafts(acct, invoices, after, POLICY.dunning, day + timedelta(days=1))
    assert [(d.stage, d.paused_until) for d in unpaused] == [("second", None)]


def test_a_promise_does_not_stop_the_stage_falling_when_invoices_are_paid() -> None:
    acct = replace(owned(), promise_to_pay_on=date(2027, 1, 31))
    before = evaluate_account(acct, [open_invoice("x", 20)], [], POLICY, AS_OF)
    after = evaluate_account(acct, [open_invoice("y", 3)], [], POLICY, AS_OF, previous=before)
    assert (before.dunning_stage, after.dunning_stage) == ("first", "reminder")


def test_dunning_charges_name_known_stages_and_are_never_negative() -> None:
    with pytest.raises(ValidationError):
        policy_with({"dunning.fees": {"fifth": "10"}})
    with pytest.raises(ValidationError):
        policy_with({"dunning.fees": {"final": "-5"}})
    with pytest.raises(ValidationError):
        policy_with({"dunning.interest_from": "never"})
