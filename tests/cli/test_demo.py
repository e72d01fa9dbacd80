"""`crm-credit demo` on a small portfolio: every step runs, the report is written, the exit code is 0.

It shows one limit request approved at once by the policy and one waiting for the credit manager.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import EXIT_OK, app
from cli.demo_run import receiver_available
from cli.main import run  # noqa: F401  registers every command


def test_the_demo_runs_the_whole_cycle_and_writes_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--json", "demo", "--accounts", "60"])
    assert result.exit_code == EXIT_OK, result.output
    summary = json.loads(result.stdout)
    assert summary["problems"] == []
    assert summary["sources"]["salesforce"]["records"]["account"] == 60
    expected = sum(s["records"]["account"] for s in summary["sources"].values())  # Zoho 15, Fxiaoke 3 when installed
    assert expected == 60 + 15 * ("zoho" in summary["sources"]) + 3 * ("fxiaoke" in summary["sources"])
    assert summary["portfolio"]["evaluated"] == expected
    assert summary["sync"]["written"] == expected  # every account's credit fields went onto its CRM record
    page = (tmp_path / "crm-credit-report.html").read_text()
    assert page.count("<svg") >= 5
    assert not Path(summary["folder"]).exists()  # the temporary config, store and certificates are gone
    auto, waiting = summary["requests"]["auto_approved"], summary["requests"]["waiting"]
    assert (auto["status"], auto["decided_by"], auto["requested_by"]) == ("approved", "policy", "sales@example.com")
    assert Decimal(auto["amount"]) <= Decimal(auto["granted"])  # within what the policy grants
    assert (waiting["status"], waiting["route"], waiting["decided_by"]) == ("pending", "credit_manager", None)
    assert Decimal(waiting["amount"]) > Decimal(waiting["granted"])
    if receiver_available():
        change = summary["change"]
        assert change["changed"], change
        assert change["before"] != change["after"]


def test_the_demo_human_output_names_each_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--accounts", "30", "--report", "portfolio.html"])
    assert result.exit_code == EXIT_OK, result.output
    for step in ("started a Salesforce sandbox", "setup-fields salesforce", "full sync:", "Accounts by grade",
                 "Top 10 exposures", "limit requests read from the CRM records",
                 "approved at once", "waits for an approver in credit_manager", "wrote portfolio.html",
                 "demo finished: the cycle took"):  # fmt: skip
        assert step in result.output
