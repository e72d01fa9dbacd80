"""Limit-increase requests end to end on the store: auto-approval, ceiling routing, maker–checker, expiry.

Customer A1 is granted 300,000 USD by the policy; approver ceilings are 400,000 (credit_manager) and
1,000,000 (director). Every step leaves an audit row; the request status reaches the CRM via the outbox.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from connectors.errors import ConfigError
from credit_core.requests import RequestRefused
from sync.request_desk import list_requests
from sync.store import Store
from tests.sync.builders import account, harness, invoice
from tests.sync.flows import NOW, current, evaluate
from tests.sync.requests_env import (
    BOSS,
    CHECKER,
    MAKER,
    STATUS_FIELD,
    audit_rows,
    desk,
    events,
    pending_status,
    request_config,
    stock,
)


def test_a_request_the_policy_grants_is_approved_at_once_without_an_override(store: Store) -> None:
    cfg = request_config()
    stock(store)
    evaluate(cfg, store)
    request = desk(cfg, store, MAKER).create(("sf", "A1"), Decimal("250000"), reason="seasonal stock")
    assert (request.status, request.decided_by, request.granted, request.route) == (
        "approved", "policy", Decimal("300000"), None)  # fmt: skip
    decision = current(store, "A1")
    assert decision.credit_limit == Decimal("300000") and decision.request_status == "approved"
    assert "LIMIT_OVERRIDE" not in {r.code for r in decision.reasons}
    assert events(store) == [("request_created", MAKER), ("request_approved", MAKER)]
    assert audit_rows(store, "request_approved")[0]["after"]["decided_by"] == "policy"
    assert pending_status(store) == "approved"


def test_a_larger_request_waits_for_the_lowest_role_whose_ceiling_covers_it(store: Store) -> None:
    cfg = request_config()
    stock(store)
    maker = desk(cfg, store, MAKER)
    assert maker.create(("sf", "A1"), Decimal("350000")).route == "credit_manager"
    big = maker.create(("sf", "A1"), Decimal("600000"))
    assert (big.status, big.route) == ("pending", "director")
    assert [r["status"] for r in list_requests(store)] == ["pending", "withdrawn"]  # the newer one supersedes
    assert current(store, "A1").request_status == "pending"
    assert pending_status(store) == "pending"
    with pytest.raises(RequestRefused) as refused:
        desk(cfg, store, CHECKER).approve(big.id)
    assert refused.value.code == "OVER_CEILING"
    assert maker.create(("sf", "A1"), Decimal("2000000")).route is None  # no role covers it: it waits


def test_nobody_approves_their_own_request_and_the_refusal_is_audited(store: Store) -> None:
    cfg = request_config()
    stock(store)
    request = desk(cfg, store, MAKER).create(("sf", "A1"), Decimal("350000"), reason="new plant")
    with pytest.raises(RequestRefused) as refused:
        desk(cfg, store, MAKER).approve(request.id)
    assert refused.value.code == "OWN_REQUEST"
    assert audit_rows(store, "request_refused")[0]["after"]["code"] == "OWN_REQUEST"
    assert list_requests(store)[0]["status"] == "pending"
    approved = desk(cfg, store, CHECKER).approve(request.id, expires_on=date(2027, 1, 31))
    assert (approved.status, approved.decided_by) == ("approved", CHECKER)
    decision = current(store, "A1")
    assert decision.credit_limit == Decimal("350000") and decision.request_status == "approved"
    override = next(r for r in decision.reasons if r.code == "LIMIT_OVERRIDE")
    assert override.text == f"Limit set manually to 350,000 USD by {CHECKER} until 2027-01-31: new plant"
    assert events(store) == [
        ("request_created", MAKER), ("request_refused", MAKER), ("request_approved", CHECKER), ("override_set", CHECKER)
    ]  # fmt: skip
    assert audit_rows(store, "override_set")[0]["after"]["amount"] == "350000"
    assert audit_rows(store, "request_approved")[0]["after"]["role"] == "credit_manager"
    with pytest.raises(RequestRefused) as again:
        desk(cfg, store, BOSS).reject(request.id)
    assert again.value.code == "NOT_PENDING"


def test_a_temporary_uplift_warns_before_it_lapses_and_falls_back_to_the_policy_limit(store: Store) -> None:
    cfg = request_config()
    stock(store)
    request = desk(cfg, store, MAKER).create(("sf", "A1"), Decimal("380000"), expires_on=date(2026, 12, 5))
    desk(cfg, store, CHECKER).approve(request.id)  # the expiry asked for holds
    decision = current(store, "A1")
    assert decision.credit_limit == Decimal("380000") and "OVERRIDE_EXPIRING" in decision.flags
    evaluate(cfg, store, NOW + timedelta(days=7))  # 2026-12-05: the last day
    assert current(store, "A1").credit_limit == Decimal("380000")
    evaluate(cfg, store, NOW + timedelta(days=8))
    after = current(store, "A1")
    assert after.credit_limit == Decimal("300000") and after.request_status == "expired"
    assert "OVERRIDE_EXPIRING" not in after.flags and "LIMIT_OVERRIDE" not in {r.code for r in after.reasons}
    assert pending_status(store) == "expired"


def test_an_approval_without_an_expiry_lasts_the_policys_override_days(store: Store) -> None:
    cfg = request_config()
    stock(store)
    request = desk(cfg, store, MAKER).create(("sf", "A1"), Decimal("350000"))
    desk(cfg, store, CHECKER).approve(request.id)
    assert audit_rows(store, "override_set")[0]["after"]["expires_on"] == "2027-02-26"  # 90 days


def test_a_rejection_is_audited_and_written_back(store: Store) -> None:
    cfg = request_config()
    stock(store)
    request = desk(cfg, store, MAKER).create(("sf", "A1"), Decimal("350000"))
    rejected = desk(cfg, store, CHECKER).reject(request.id, note="payments too slow")
    assert (rejected.status, rejected.note) == ("rejected", "payments too slow")
    assert current(store, "A1").credit_limit == Decimal("300000")
    assert pending_status(store) == "rejected"
    assert events(store)[-1] == ("request_rejected", CHECKER)


def test_a_requested_limit_mapped_from_the_crm_opens_one_request_per_value(store: Store) -> None:
    cfg = request_config()
    stock(store, requested_limit="250000")
    evaluate(cfg, store)
    evaluate(cfg, store, NOW + timedelta(hours=1))  # the same value again asks nothing
    [auto] = list_requests(store)
    assert (auto["origin"], auto["status"], auto["requested_by"]) == ("crm", "approved", None)
    stock(store, requested_limit="900000")
    evaluate(cfg, store, NOW + timedelta(hours=2))
    newest = list_requests(store)[0]
    assert (newest["amount"], newest["status"], newest["route"]) == ("900000", "pending", "director")
    assert current(store, "A1").request_status == "pending"
    assert desk(cfg, store, BOSS).approve(newest["id"]).status == "approved"  # nobody made it: any approver decides
    assert current(store, "A1").credit_limit == Decimal("900000")


def test_the_acting_user_must_be_a_configured_user(store: Store) -> None:
    cfg = request_config()
    stock(store)
    with pytest.raises(ConfigError, match="not a \\[users\\] entry"):
        desk(cfg, store, "mallory@example.com")
    with pytest.raises(ConfigError, match="no account"):
        desk(cfg, store, MAKER).create(("sf", "Z9"), Decimal("1000"))


def test_sync_reads_a_requested_limit_from_the_crm_and_writes_the_status_onto_its_record(
    store_target: tuple[Store, str, str | None],
) -> None:
    fields = {"name": "Name", "currency": "CurrencyIsoCode", "requested_limit": "Requested_Credit_Limit__c"}
    with harness(store_target) as h:
        h.config = request_config(h.url, accounts={"object": "Account", "fields": fields})
        account(h.crm, "A1", Requested_Credit_Limit__c=900000.0)
        invoice(h.crm, "I1", "A1")
        h.crm.tick(60)
        engine = h.engine()
        engine.sync()
        [request] = list_requests(h.store)
        assert (request["origin"], request["status"], request["route"]) == ("crm", "pending", "director")
        assert h.crm.row("Account", "A1")[STATUS_FIELD] == "pending"
        desk(h.config, h.store, BOSS, h.crm.now).approve(request["id"], note="secured by a guarantee")
        engine.push()
        engine.close()
        record = h.crm.row("Account", "A1")
        assert (record[STATUS_FIELD], record["Credit_Limit__c"]) == ("approved", 900000)


def test_a_manual_limit_below_the_policys_waits_for_an_approver_and_then_holds_until_its_end(store: Store) -> None:
    cfg = request_config()
    stock(store)
    manual = desk(cfg, store, BOSS).create(("sf", "A1"), Decimal("50000"), reason="disputed invoices",
                                           expires_on=date(2026, 12, 31), manual=True)  # fmt: skip
    assert (manual.kind, manual.status, manual.route) == ("manual", "pending", "credit_manager")
    desk(cfg, store, CHECKER).approve(manual.id)
    assert current(store, "A1").credit_limit == Decimal("50000")
    evaluate(cfg, store, NOW + timedelta(days=34))  # 2027-01-01
    assert current(store, "A1").credit_limit == Decimal("300000")
