"""`evaluate` over a portfolio: group exposure over the parent hierarchy, bad input raised or reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credit_core import evaluate, evaluate_account
from credit_core.errors import MissingRateError, RecordError
from credit_core.policy import load_policy
from credit_core.portfolio import group_roots

from .builders import AS_OF, SOURCE, account, open_invoice, order, paid_history, policy_with, solid_account

POLICY = load_policy()


def family() -> list:
    """parent P <- child C <- grandchild G; S stands alone; X and Y share a parent that is not in the CRM data."""
    return [
        solid_account("P"),
        solid_account("C", parent_crm_id="P"),
        solid_account("G", parent_crm_id="C"),
        solid_account("S"),
        account("X", parent_crm_id="ghost"),
        account("Y", parent_crm_id="ghost"),
    ]


def owed(crm_id: str, amount: str) -> object:
    return open_invoice(f"inv-{crm_id}", -5, amount=amount, account_id=crm_id)


def test_decisions_are_keyed_by_source_and_crm_id_and_iterables_are_accepted() -> None:
    accounts = family()
    decisions = evaluate(iter(accounts), (owed(a.crm_id, "100") for a in accounts), [], POLICY, AS_OF)
    assert set(decisions) == {(SOURCE, a.crm_id) for a in accounts}


def test_group_exposure_sums_the_whole_parent_hierarchy() -> None:
    invoices = [owed("P", "1000"), owed("C", "200"), owed("G", "30"), owed("S", "4"), owed("X", "5"), owed("Y", "6")]
    orders = [order("o", "7000", account_id="G")]
    decisions = evaluate(family(), invoices, orders, POLICY, AS_OF)
    group = Decimal("8230.00")
    for member in ("P", "C", "G"):
        assert decisions[(SOURCE, member)].group_exposure == group
    assert decisions[(SOURCE, "G")].exposure == Decimal("7030.00")
    assert decisions[(SOURCE, "S")].group_exposure == Decimal("4.00")
    assert decisions[(SOURCE, "X")].group_exposure == decisions[(SOURCE, "Y")].group_exposure == Decimal("11.00")


def test_concentration_is_flagged_for_every_member_of_a_concentrated_group() -> None:
    policy = policy_with({"portfolio_budget": "100000"})  # cap 5,000
    invoices = [owed("P", "3000"), owed("G", "2500"), owed("S", "4000")]
    decisions = evaluate(family(), invoices, [], policy, AS_OF)
    flagged = {key[1] for key, d in decisions.items() if "CONCENTRATION" in d.flags}
    assert flagged == {"P", "C", "G"}


def test_group_roots_survive_cycles_in_the_crm_hierarchy() -> None:
    a = account("A", parent_crm_id="B")
    b = account("B", parent_crm_id="A")
    roots = group_roots({(SOURCE, "A"): a, (SOURCE, "B"): b})
    assert roots[(SOURCE, "A")] == roots[(SOURCE, "B")]


def test_the_portfolio_gives_what_each_account_alone_gives_with_its_group_exposure() -> None:
    accounts = family()
    invoices = [*paid_history(4, account_id="P"), owed("C", "200"), owed("S", "4")]
    decisions = evaluate(accounts, invoices, [], POLICY, AS_OF)
    alone = evaluate_account(
        accounts[0],
        [i for i in invoices if i.account_crm_id == "P"],
        [],
        POLICY,
        AS_OF,
        group_exposure=decisions[(SOURCE, "P")].group_exposure,
    )
    assert decisions[(SOURCE, "P")] == alone


def test_previous_decisions_are_looked_up_by_key() -> None:
    first = evaluate(family(), [], [], POLICY, AS_OF)
    later = AS_OF.replace(day=29)
    again = evaluate(family(), [], [], POLICY, later, previous=first)
    assert all(again[key].next_review_on == first[key].next_review_on for key in first)


def test_an_invoice_whose_account_is_absent_is_an_error_naming_it() -> None:
    with pytest.raises(RecordError) as caught:
        evaluate(family(), [owed("nobody", "10")], [], POLICY, AS_OF)
    assert str(caught.value) == "invoice sf/inv-nobody: account_crm_id='nobody': no such account in this evaluation"


def test_skip_and_report_collects_bad_records_and_evaluates_the_rest() -> None:
    accounts = [*family(), solid_account("E", currency="EUR"), solid_account("P")]  # no EUR rate; P twice
    invoices = [
        owed("P", "10"),
        owed("nobody", "10"),
        owed("E", "10"),
        open_invoice("g", 3, currency="GBP", account_id="S"),
    ]
    rejected: list = []
    decisions = evaluate(
        accounts, invoices, [order("lost", "5", account_id="nowhere")], POLICY, AS_OF, rejected=rejected
    )
    reasons = {(type(record).__name__, record.crm_id): str(error) for record, error in rejected}
    assert reasons[("Invoice", "inv-nobody")].endswith("no such account in this evaluation")
    assert reasons[("Order", "lost")].endswith("no such account in this evaluation")
    assert "'EUR'" in reasons[("Account", "E")]
    assert reasons[("Invoice", "inv-E")].startswith("invoice sf/inv-E: account_crm_id='E': its account was rejected")
    assert "'GBP'" in reasons[("Invoice", "g")]
    assert reasons[("Account", "P")].endswith("duplicate account")
    assert (SOURCE, "E") not in decisions
    assert decisions[(SOURCE, "S")].exposure == Decimal("0.00")  # the GBP invoice was set aside, not guessed
    assert len(decisions) == len(family())


def test_without_skip_and_report_a_missing_rate_raises() -> None:
    with pytest.raises(MissingRateError, match="'EUR'"):
        evaluate([solid_account("E", currency="EUR")], [], [], POLICY, AS_OF)
