"""Bad records wait in quarantine with a reason; corrections and late accounts release them."""

from __future__ import annotations

from sync.store import Store
from tests.sync import snapshots
from tests.sync.builders import Harness, account, harness, invoice

Target = tuple[Store, str, str | None]


def _pull(h: Harness) -> str:
    engine = h.engine()
    report = engine.pull_source("sf")
    engine._finish(report)
    return report.outcome


def _invoice_ids(h: Harness) -> set[str]:
    return {i for _s, i, d, _p in snapshots.records(h.store)["invoice"] if not d}


def test_a_record_that_fails_validation_is_held_with_field_value_and_reason(store_target: Target) -> None:
    with harness(store_target) as h:
        account(h.crm, "A1")
        invoice(h.crm, "GOOD", "A1")
        invoice(h.crm, "BAD", "A1", Due__c="2026-09-01")  # due before issue
        invoice(h.crm, "ODD", "A1", Status__c="Disputed")  # not in the value map
        h.crm.tick(60)
        assert _pull(h) == "problems"
        held = snapshots.quarantined(h.store)
        assert held[("invoice", "BAD")][0] == "due_on" and held[("invoice", "BAD")][1] == "2026-09-01"
        assert "due before issue" in held[("invoice", "BAD")][2]
        assert held[("invoice", "ODD")][:2] == ("status", "Disputed")
        assert _invoice_ids(h) == {"GOOD"}


def test_a_corrected_record_releases_its_quarantine_entry(store_target: Target) -> None:
    with harness(store_target) as h:
        account(h.crm, "A1")
        invoice(h.crm, "BAD", "A1", Amount__c="lots")
        h.crm.tick(60)
        _pull(h)
        assert ("invoice", "BAD") in snapshots.quarantined(h.store)
        invoice(h.crm, "BAD", "A1", amount="250")
        h.crm.tick(60)
        assert _pull(h) == "ok"
        assert snapshots.quarantined(h.store) == {}
        assert _invoice_ids(h) == {"BAD"}


def test_an_invoice_waits_for_its_missing_account_and_is_released_when_it_arrives(store_target: Target) -> None:
    with harness(store_target) as h:
        account(h.crm, "A1")
        invoice(h.crm, "ORPHAN", "A2")
        h.crm.tick(60)
        _pull(h)
        field, value, reason, waiting = snapshots.quarantined(h.store)[("invoice", "ORPHAN")]
        assert (field, value, waiting) == ("account_crm_id", "A2", "A2") and "A2" in reason
        account(h.crm, "A2", name="Arrives later")
        h.crm.tick(60)
        _pull(h)  # the invoice itself did not change: only the account's arrival releases it
        assert snapshots.quarantined(h.store) == {}
        assert _invoice_ids(h) == {"ORPHAN"}


def test_the_rest_of_the_batch_goes_on_when_one_record_is_bad(store_target: Target) -> None:
    with harness(store_target, checkpoint_every=2) as h:
        account(h.crm, "A1")
        for i in range(5):
            invoice(h.crm, f"I{i}", "A1", **({"Amount__c": -5.0} if i == 2 else {}))
        h.crm.tick(60)
        _pull(h)
        assert _invoice_ids(h) == {"I0", "I1", "I3", "I4"}
        assert list(snapshots.quarantined(h.store)) == [("invoice", "I2")]
