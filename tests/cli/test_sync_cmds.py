"""`sync`, `status` and `account` from the command line: exit codes and the JSON shapes of DESIGN §4."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app, normalise_argv
from cli.main import run  # noqa: F401  registers every command
from connectors.registry import register_connector, unregister_connector
from tests.fakes.fake_crm import FakeCrm, fake_factory
from tests.sync.builders import account, invoice

CONFIG = """
[store]
url = "sqlite:///store/crm-credit.db"
[sources.sf]
kind = "salesforce"
checkpoint_every = 2
[sources.sf.auth]
method = "session"
session_id = "${SF_SESSION}"
[sources.sf.accounts]
object = "Account"
fields = { name = "Name", currency = "CurrencyIsoCode" }
[sources.sf.invoices]
object = "Invoice__c"
fields.account_crm_id = "Account__c"
fields.number = "Name"
fields.issued_on = "Issued__c"
fields.due_on = "Due__c"
fields.amount = "Amount__c"
fields.balance = "Balance__c"
fields.currency = "CurrencyIsoCode"
fields.status = "Status__c"
transforms = { status = { map = { "Open" = "open", "Paid" = "paid" } } }
[sources.sf.writeback]
object = "Account"
fields = { credit_limit = "Credit_Limit__c", score = "Credit_Score__c", flags = "Credit_Flags__c" }
"""


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCrm]:
    """A fake CRM behind kind `salesforce`, and a config file in the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SF_SESSION", "fake-session")
    (tmp_path / "crm-credit.toml").write_text(CONFIG)
    fake = FakeCrm()
    account(fake, "A1", name="Acme Ltd")
    invoice(fake, "I1", "A1", amount="1200")
    invoice(fake, "I2", "A1", amount="300", Due__c="2026-10-02")
    fake.tick(60)
    register_connector("salesforce", fake_factory(fake))
    yield fake
    unregister_connector("salesforce")


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, normalise_argv(list(args)), catch_exceptions=False)


def test_status_json_has_the_documented_shape_before_and_after_a_pull(crm: FakeCrm) -> None:
    before = _cli("status", "--json")
    assert before.exit_code == 0, before.output
    empty = json.loads(before.stdout)["sources"]["sf"]
    assert empty["last_run"] is None and empty["quarantine"] == 0
    assert _cli("sync", "--json").exit_code in (0, 1)
    shown = json.loads(_cli("status", "--json").stdout)["sources"]["sf"]
    assert set(shown) == {"kind", "last_run", "watermarks", "api", "outbox", "quarantine"}
    assert set(shown["last_run"]) == {"started_at", "finished_at", "outcome", "message", "error", "retries"}
    assert set(shown["watermarks"]) == {"Account", "Invoice__c"}
    assert set(shown["api"]) == {"used", "limit"}
    assert set(shown["outbox"]) == {"pending", "in_flight", "sent", "failed", "rejected"}


def test_sync_exits_1_when_this_run_quarantined_a_record_and_0_on_a_clean_rerun(crm: FakeCrm) -> None:
    invoice(crm, "BAD", "A1", Amount__c="twelve")
    crm.tick(60)
    first = _cli("sync")
    assert first.exit_code == 1, first.output
    assert "1 quarantined" in first.output
    crm.tick(600)
    assert _cli("sync").exit_code == 0


def test_account_json_is_the_decision_with_source_name_and_aging(crm: FakeCrm) -> None:
    assert _cli("sync").exit_code == 0
    result = _cli("account", "A1", "--json")
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert (view["source"], view["crm_id"], view["name"]) == ("sf", "A1", "Acme Ltd")
    assert {"score", "grade", "reasons", "credit_limit", "exposure", "flags", "status"} <= set(view)
    assert isinstance(view["credit_limit"], str)  # money as strings
    assert set(view["aging"]) == {"current", "1-30", "31-60", "61-90", "90+"}
    assert sum(float(v) for v in view["aging"].values()) == pytest.approx(1500)


def test_a_bad_config_is_exit_2_with_one_line(crm: FakeCrm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SF_SESSION")
    result = _cli("sync")
    assert result.exit_code == 2
    assert "SF_SESSION" in result.stderr and result.stderr.count("\n") == 1
