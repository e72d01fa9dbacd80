"""`requests create|list|approve|reject --as EMAIL` from the command line: JSON shapes, refusals, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app, normalise_argv
from cli.main import run  # noqa: F401  registers every command
from sync.store import Store
from tests.credit_core.builders import paid_history, solid_account
from tests.sync.flows import put

CONFIG = """
[store]
url = "sqlite:///crm-credit.db"
[users]
"ann@example.com" = "${ANN_TOKEN}"
"bob@example.com" = "${BOB_TOKEN}"
[approvers.credit_manager]
users = ["ann@example.com", "bob@example.com"]
ceiling = "500000"
[sources.sf]
kind = "salesforce"
[sources.sf.auth]
method = "session"
session_id = "unused"
[sources.sf.accounts]
object = "Account"
fields = { name = "Name" }
[sources.sf.writeback]
object = "Account"
fields = { credit_limit = "Credit_Limit__c", request_status = "Credit_Request_Status__c" }
"""


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, normalise_argv(list(args)), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config with two approvers and a store holding one evaluated customer (granted 300,000 USD)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANN_TOKEN", "ann-token")
    monkeypatch.setenv("BOB_TOKEN", "bob-token")
    (tmp_path / "crm-credit.toml").write_text(CONFIG)
    store = Store.open(f"sqlite:///{tmp_path / 'crm-credit.db'}")
    put(store, [solid_account("A1"), *paid_history(8, prefix="a", account_id="A1")])
    store.close()
    assert _cli("evaluate").exit_code == 0
    yield tmp_path


def test_create_within_the_policy_is_approved_and_above_it_waits(folder: Path) -> None:
    result = _cli("requests", "create", "A1", "200000", "--as", "ann@example.com", "--reason", "peak season")
    assert result.exit_code == 0, result.output
    assert "approved at once: the policy grants 300,000 USD" in result.stdout
    waiting = json.loads(_cli("requests", "create", "A1", "450000", "--as", "ann@example.com", "--json").stdout)
    assert (waiting["status"], waiting["route"], waiting["writebacks_queued"]) == ("pending", "credit_manager", 1)
    listed = json.loads(_cli("requests", "list", "--status", "pending", "--json").stdout)["requests"]
    assert [r["id"] for r in listed] == [waiting["id"]]
    assert "waits for credit_manager" in _cli("requests", "list").stdout
    manual = json.loads(_cli("requests", "create", "A1", "100000", "--manual", "--as", "ann@example.com",
                             "--json").stdout)  # fmt: skip
    assert (manual["kind"], manual["status"]) == ("manual", "pending")  # a lower limit by hand needs a checker


def test_the_maker_cannot_approve_and_the_checker_can(folder: Path) -> None:
    made = json.loads(_cli("requests", "create", "A1", "450000", "--as", "ann@example.com", "--json").stdout)
    refused = _cli("requests", "approve", str(made["id"]), "--as", "ann@example.com")
    assert refused.exit_code == 1
    assert "ann@example.com made this request and cannot decide it" in refused.stderr
    approved = _cli("requests", "approve", str(made["id"]), "--as", "bob@example.com", "--expires", "2027-03-31")
    assert approved.exit_code == 0 and "approved by bob@example.com" in approved.stdout
    account = json.loads(_cli("account", "A1", "--json").stdout)
    assert (account["credit_limit"], account["request_status"]) == ("450000", "approved")
    assert "limit request: approved (`crm-credit requests list --account A1`)" in _cli("account", "A1").stdout
    audit = [json.loads(line) for line in _cli("audit", "export", "--format", "jsonl").stdout.splitlines()]
    steps = [(r["event"], r["actor"]) for r in audit if r["event"] != "decision"]
    assert steps == [("request_created", "ann@example.com"), ("request_refused", "ann@example.com"),
                     ("request_approved", "bob@example.com"), ("override_set", "bob@example.com")]  # fmt: skip


def test_reject_and_bad_input_are_one_line_errors(folder: Path) -> None:
    made = json.loads(_cli("requests", "create", "A1", "450000", "--as", "ann@example.com", "--json").stdout)
    rejected = json.loads(_cli("requests", "reject", str(made["id"]), "--as", "bob@example.com", "--note", "no",
                               "--json").stdout)  # fmt: skip
    assert (rejected["status"], rejected["note"]) == ("rejected", "no")
    unknown = _cli("requests", "create", "A1", "1000", "--as", "eve@example.com")
    assert unknown.exit_code == 2 and "'eve@example.com' is not a [users] entry" in unknown.stderr
    assert _cli("requests", "create", "A1", "lots", "--as", "ann@example.com").exit_code == 2
    assert _cli("requests", "approve", "999", "--as", "bob@example.com").exit_code == 2
