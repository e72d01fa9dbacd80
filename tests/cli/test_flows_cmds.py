"""`import`, `audit export|reproduce`, `purge`, `backtest` and `simulate` from the command line."""

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
from tests.credit_core.builders import open_invoice, paid_history, solid_account
from tests.sync.flows import policy_file, put, write_csv

CONFIG = """
[store]
url = "sqlite:///crm-credit.db"
[audit]
retention_years = 1
[sources.sf]
kind = "salesforce"
[sources.sf.auth]
method = "session"
session_id = "${SF_SESSION}"
[sources.sf.accounts]
object = "Account"
fields = { name = "Name" }
"""


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, normalise_argv(list(args)), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config and a store holding two evaluated customers, in the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SF_SESSION", "unused")
    (tmp_path / "crm-credit.toml").write_text(CONFIG)
    store = Store.open(f"sqlite:///{tmp_path / 'crm-credit.db'}")
    put(store, [solid_account("A1"), *paid_history(8, prefix="a", account_id="A1"),
                solid_account("B1"), open_invoice("b-open", -10, amount="60000", account_id="B1")])  # fmt: skip
    store.close()
    assert _cli("evaluate").exit_code == 0
    yield tmp_path


def test_import_exits_1_naming_each_refused_row_and_loads_the_rest(folder: Path) -> None:
    csv = write_csv(folder / "cover.csv", "source,crm_id,amount", "sf,A1,25000", "sf,B1,lots")
    result = _cli("import", "insurance", str(csv), "--json")
    assert result.exit_code == 1
    assert "cover.csv line 3, column amount, value 'lots': not a number" in result.stderr
    shown = json.loads(result.stdout)
    assert shown["loaded"] == 1 and shown["evaluation"]["evaluated"] == 1
    account = json.loads(_cli("account", "A1", "--json").stdout)
    assert account["credit_limit"] == "25000"


def test_a_csv_with_an_unknown_column_is_a_usage_error(folder: Path) -> None:
    csv = write_csv(folder / "fin.csv", "source,crm_id,as_of,turnover", "sf,A1,2026-06-30,5")
    result = _cli("import", "financials", str(csv))
    assert result.exit_code == 2
    assert "unknown column 'turnover'" in result.stderr


def test_audit_export_and_reproduce(folder: Path) -> None:
    lines = _cli("audit", "export", "--format", "jsonl").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert {r["crm_id"] for r in rows} == {"A1", "B1"} and all(r["trigger"] == "user" for r in rows)
    assert _cli("audit", "export", "--format", "csv", "-o", "log.csv").exit_code == 0
    assert (folder / "log.csv").read_text().startswith("id,at,source,crm_id,event")
    again = _cli("audit", "reproduce", str(rows[0]["id"]), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["same"] is True
    assert _cli("audit", "reproduce", "999").exit_code == 2
    assert _cli("audit", "export", "--since", "yesterday").exit_code == 2


def test_purge_is_clamped_to_the_retention_years(folder: Path) -> None:
    result = _cli("purge", "--before", "2999-01-01", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["cutoff"] < shown["requested"] and shown["audit_rows"] == 0


def test_backtest_json_and_svg(folder: Path) -> None:
    result = _cli("backtest", "--as-of", "2026-09-01,2026-10-01", "--horizon-months", "1", "--json", "--svg", "bt.html")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert [r["as_of"] for r in shown["results"]] == ["2026-09-01", "2026-10-01"]
    assert {g["grade"] for g in shown["results"][0]["by_grade"]} == set("ABCDE")
    assert (folder / "bt.html").read_text().count("<svg") == 3
    assert _cli("backtest", "--as-of", "2999-01-01").exit_code == 2


def test_simulate_json_shows_the_proposed_policys_effect(folder: Path) -> None:
    tight = policy_file(folder, {f"limits.max.{g}": "40000" for g in "ABCD"})
    result = _cli("simulate", "--policy", tight, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["limits_down"] == 2 and shown["over_new_limit"] == 1
    assert shown["status_changes"] == {"OK→HOLD": 1}
    assert {c["crm_id"] for c in shown["changes"]} == {"A1", "B1"}
