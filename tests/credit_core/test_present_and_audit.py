"""What goes onto a CRM record, and how a decision is stored and its inputs fingerprinted."""

from __future__ import annotations

import json
import random
from datetime import date
from decimal import Decimal

import pytest

from credit_core import evaluate_account
from credit_core.audit import decision_from_dict, decision_to_dict, inputs_digest
from credit_core.decisions import changed_fields, is_material_change
from credit_core.metrics import aging_buckets
from credit_core.models import Decision
from credit_core.policy import load_policy
from credit_core.present import crm_value

from .builders import AS_OF, invoice, open_invoice, order, paid_history, payment, policy_with, solid_account

POLICY = load_policy()
INVOICES = [*paid_history(5, days_late=20), open_invoice("o1", 45, amount="1234.56"), open_invoice("o2", 3)]


@pytest.fixture
def decision() -> Decision:
    return evaluate_account(solid_account(), INVOICES, [], POLICY, AS_OF)


def test_money_goes_out_in_the_account_currency_rounded_to_the_policy_step(decision: Decision) -> None:
    assert decision.available_credit == decision.credit_limit - Decimal("2234.56")
    assert crm_value(decision, "available_credit") == decision.credit_limit - Decimal(2000)  # step 500
    assert crm_value(decision, "exposure") == Decimal(2000)
    assert crm_value(decision, "exposure", policy=policy_with({"limits.rounding_step": "1"})) == Decimal(2235)
    assert isinstance(crm_value(decision, "credit_limit"), Decimal)


def test_score_flags_dates_and_plain_fields(decision: Decision) -> None:
    assert crm_value(decision, "score") == decision.score and isinstance(crm_value(decision, "score"), int)
    assert crm_value(decision, "flags") == ";".join(decision.flags) == "PAST_DUE_30"
    assert crm_value(decision, "next_review_on") == decision.next_review_on
    assert isinstance(crm_value(decision, "next_review_on"), date)
    assert crm_value(decision, "summary", max_length=20) == decision.summary[:19] + "…"
    assert crm_value(decision, "dunning_stage") == "second"
    assert crm_value(decision, "paydex") == decision.paydex


def test_reasons_are_one_line_each_most_negative_first_and_cut_to_whole_lines(decision: Decision) -> None:
    text = crm_value(decision, "reasons")
    lines = text.split("\n")
    assert len(lines) == len(decision.reasons)
    first = decision.reasons[0]
    assert lines[0] == f"{first.code}: {first.text} ({first.impact:+d})"
    short = crm_value(decision, "reasons", max_length=len(lines[0]) + 5)
    assert short == lines[0]
    assert len(crm_value(decision, "reasons", max_length=10)) == 10


def test_a_zero_impact_reason_shows_as_zero() -> None:
    manual = evaluate_account(solid_account(limit_override={"amount": "100"}), [], [], POLICY, AS_OF)
    assert "LIMIT_OVERRIDE: Limit set manually to 100 USD (0)" in crm_value(manual, "reasons").split("\n")


def test_flags_are_cut_to_whole_codes() -> None:
    many = evaluate_account(solid_account(limit_override={"amount": "100"}), [open_invoice("o", 95)], [], POLICY, AS_OF)
    assert crm_value(many, "flags") == "OVER_LIMIT;PAST_DUE_90"
    assert crm_value(many, "flags", max_length=15) == "OVER_LIMIT"


def test_unknown_keys_are_refused(decision: Decision) -> None:
    with pytest.raises(KeyError, match="not a Decision field"):
        crm_value(decision, "credit_score")


def test_a_decision_survives_json_and_back(decision: Decision) -> None:
    stored = json.loads(json.dumps(decision_to_dict(decision)))
    assert stored["credit_limit"] == str(decision.credit_limit)
    assert stored["reasons"][0] == {
        "code": decision.reasons[0].code,
        "text": decision.reasons[0].text,
        "impact": decision.reasons[0].impact,
    }
    assert decision_from_dict(stored) == decision
    with pytest.raises(ValueError, match="not Decision fields"):
        decision_from_dict({**stored, "colour": "red"})


def test_the_inputs_digest_ignores_record_order_and_number_spelling_but_not_content() -> None:
    account = solid_account()
    orders = [order("o", "100")]
    receipts = [payment("r", "10", date(2026, 1, 1))]
    digest = inputs_digest(account, INVOICES, orders, receipts, AS_OF)
    shuffled = INVOICES[:]
    random.Random(1).shuffle(shuffled)
    assert inputs_digest(account, shuffled, orders, receipts, AS_OF) == digest
    assert inputs_digest(account, INVOICES, [order("o", "100.00")], receipts, AS_OF) == digest
    assert inputs_digest(account, INVOICES, [order("o", "101")], receipts, AS_OF) != digest
    assert inputs_digest(account, INVOICES, orders, receipts, date(2026, 11, 29)) != digest
    assert inputs_digest(solid_account(bureau_score=1), INVOICES, orders, receipts, AS_OF) != digest
    assert len(digest) == 64


def test_material_change_helpers(decision: Decision) -> None:
    same_next_day = evaluate_account(solid_account(), INVOICES, [], POLICY, date(2026, 11, 29), decision)
    assert not is_material_change(decision, same_next_day)
    assert same_next_day.max_days_past_due == decision.max_days_past_due + 1
    assert is_material_change(None, decision)
    paid = [i for i in INVOICES if i.crm_id != "o2"]
    after_payment = evaluate_account(solid_account(), paid, [], POLICY, AS_OF, decision)
    assert "available_credit" in changed_fields(decision, after_payment)


def test_aging_for_the_account_view_comes_from_the_metric() -> None:
    buckets = aging_buckets([*INVOICES, invoice("cn", amount="-100", status="credit_note", issued_days_ago=10)], AS_OF)
    assert buckets == {
        "current": Decimal("-100.00"),
        "1-30": Decimal("1000.00"),
        "31-60": Decimal("1234.56"),
        "61-90": Decimal(0),
        "90+": Decimal(0),
    }
