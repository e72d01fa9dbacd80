"""Writes against the Zoho sandbox: setup-fields, write-back with per-record results, notifications."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from connectors.base import Change, FieldSpec, RecordWrite, Window
from connectors.errors import BudgetExhausted
from sandbox.zoho import ZohoSandbox
from tests.connectors.zoho.builders import Clock, Kit, kit, real_now, sandbox_kit, sandbox_settings
from tests.sandbox.zoho.conftest import Receiver

SPECS = [
    FieldSpec("credit_limit", "Credit_Limit", "Credit Limit", "currency"),
    FieldSpec("score", "Credit_Score", "Credit Score", "number"),
    FieldSpec("status", "Credit_Status", "Credit Status", "picklist", picklist_values=("OK", "WATCH", "HOLD")),
    FieldSpec("reasons", "Credit_Reasons", "Credit Reasons", "long_text", length=2000),
    FieldSpec("next_review_on", "Credit_Next_Review", "Credit Next Review", "date"),
    FieldSpec("summary", "Credit_Summary", "Credit Summary (crm-credit)", "text", length=255),
]


@pytest.fixture
def ready(fresh: ZohoSandbox) -> Kit:
    """A connector on a fresh sandbox whose write-back fields exist."""
    k = sandbox_kit(fresh)
    k.connector.create_fields(SPECS[:3])
    return k


def test_setup_creates_the_missing_fields_and_reads_back_zohos_names(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh)
    first = k.connector.create_fields(SPECS)
    assert [(s.decision_key, s.outcome) for s in first] == [(spec.decision_key, "created") for spec in SPECS]
    assert first[-1].name == "Credit_Summary_crm_credit"  # the API name Zoho derived from the label
    names = {f.name: f for f in k.connector.describe("Accounts")}
    assert names["Credit_Status"].picklist_values == ("OK", "WATCH", "HOLD")
    assert names["Credit_Reasons"].type == "textarea" and names["Credit_Reasons"].length == 2000
    again = k.connector.create_fields(SPECS)
    assert [(s.name, s.outcome) for s in again] == [(s.name, "exists") for s in first]
    assert k.connector.check_mapping() == []


def test_a_mixed_207_marks_exactly_the_refused_record_rejected(ready: Kit, fresh: ZohoSandbox) -> None:
    ids = fresh.ids("Accounts")[:3]
    fresh.reject("Accounts", ids=[ids[1]], code="INVALID_DATA", message="limit needs approval")
    writes = [RecordWrite(i, {"Credit_Limit": Decimal("25000"), "Credit_Score": 70, "Credit_Status": "OK"})
              for i in ids]  # fmt: skip
    outcomes = ready.connector.push(writes)
    assert [(o.crm_id, o.ok, o.code) for o in outcomes] == [(ids[0], True, None), (ids[1], False, "INVALID_DATA"),
                                                            (ids[2], True, None)]  # fmt: skip
    assert outcomes[1].message == "limit needs approval"
    assert fresh.get_record("Accounts", ids[0])["Credit_Limit"] == 25000.0  # type: ignore[index]
    assert fresh.get_record("Accounts", ids[1])["Credit_Limit"] is None  # type: ignore[index]


def test_a_bad_picklist_value_is_rejected_with_zohos_code(ready: Kit, fresh: ZohoSandbox) -> None:
    account = fresh.ids("Accounts")[0]
    (outcome,) = ready.connector.push([RecordWrite(account, {"Credit_Score": "seventy"})])
    assert (outcome.ok, outcome.code, outcome.transient) == (False, "INVALID_DATA", False)
    assert "Credit_Score" in (outcome.message or "")


def test_written_values_read_back_equal_what_was_written(ready: Kit, fresh: ZohoSandbox) -> None:
    ids = fresh.ids("Accounts")[:2]
    ready.connector.push([RecordWrite(ids[0], {"Credit_Limit": Decimal("1500"), "Credit_Score": 64})])
    values = ready.connector.fetch_written_values([*ids, "4876543299999999999"])
    assert values == {ids[0]: {"Credit_Limit": 1500.0, "Credit_Score": 64.0, "Credit_Status": None},
                      ids[1]: {"Credit_Limit": None, "Credit_Score": None, "Credit_Status": None}}  # fmt: skip


def test_an_accounts_pull_carries_the_write_back_fields(ready: Kit, fresh: ZohoSandbox) -> None:
    account = fresh.ids("Accounts")[0]
    ready.connector.push([RecordWrite(account, {"Credit_Status": "HOLD"})])
    ready.connector.check_mapping()
    (record,) = ready.connector.fetch_by_ids("account", [account])
    assert record.fields["Credit_Status"] == "HOLD"


def test_a_full_batch_of_100_is_one_put(fresh: ZohoSandbox) -> None:
    big = ZohoSandbox(accounts=150, seed=3).start()
    try:
        k = sandbox_kit(big)
        k.connector.create_fields(SPECS[1:2])
        before = big.calls.count("PUT")
        outcomes = k.connector.push([RecordWrite(i, {"Credit_Score": 50}) for i in big.ids("Accounts")[:100]])
        assert all(o.ok for o in outcomes) and len(outcomes) == 100
        assert big.calls.count("PUT") - before == 1
    finally:
        big.stop()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_a_notification_delivered_by_zoho_names_the_changed_account(fresh: ZohoSandbox, hook: Receiver) -> None:
    k = sandbox_kit(fresh)
    channel = k.connector.enable_notifications(hook.url)
    assert channel.expires_at > real_now() and k.channels.load_channels("zoho") == [channel]
    account = fresh.ids("Accounts")[5]
    fresh.update_record("Accounts", account, {"Annual_Revenue": 99.0})
    (body,) = hook.wait(1)
    note = k.connector.parse_notification(json.dumps(body).encode(), {})
    assert note.changes == (Change("account", account),)


def test_renewal_keeps_a_channel_alive_past_its_first_week(fresh: ZohoSandbox, hook: Receiver) -> None:
    clock = Clock(real_now())
    k = kit(sandbox_settings(fresh), clock=clock)
    channel = k.connector.enable_notifications(hook.url)

    def days_pass(days: int) -> None:
        clock.advance(days * 86400)
        fresh.advance(days * 86400)

    days_pass(2)
    assert k.connector.renew_notifications(hook.url) == []  # five days left: not due
    days_pass(3)
    (renewed,) = k.connector.renew_notifications(hook.url)
    assert renewed.channel_id == channel.channel_id and renewed.expires_at > channel.expires_at
    days_pass(4)  # past the first expiry
    account = fresh.ids("Accounts")[2]
    fresh.update_record("Accounts", account, {"Annual_Revenue": 7.0})
    (body,) = hook.wait(1)
    assert k.connector.parse_notification(json.dumps(body).encode(), {}).changes == (Change("account", account),)


def test_the_budget_stops_a_walk_cleanly(fresh: ZohoSandbox) -> None:
    k = sandbox_kit(fresh, api_daily_limit=4, api_budget_share=0.5)  # two credits: the fields and one page
    walk = k.connector.pull_changed("invoice", Window(None, real_now()))
    with pytest.raises(BudgetExhausted):
        list(walk)
    assert k.connector.client.meter.spent == 2 and fresh.credits_used == 2
