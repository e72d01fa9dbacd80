"""`check`, `setup-fields` and `suggest-mapping` for a Fxiaoke source: the admin creates the fields."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from typer.testing import CliRunner

from cli.app import EXIT_OK, EXIT_PROBLEMS
from cli.main import app
from sandbox.fxiaoke import FxiaokeSandbox
from tests.connectors.contract.harness_fxiaoke import WRITEBACK, source_table

ROOMY = (10_000, 20.0)


@pytest.fixture
def fx() -> Iterator[FxiaokeSandbox]:
    with FxiaokeSandbox(accounts=4, seed=43, rate_limit=ROOMY, token_limit=ROOMY) as sandbox:
        yield sandbox


def write_config(fx: FxiaokeSandbox, tmp_path: Path, writeback: dict[str, str]) -> Path:
    path = tmp_path / "crm-credit.toml"
    table: dict[str, Any] = {"store": {"url": f"sqlite:///{tmp_path / 'store.db'}"}}
    table["sources"] = {"fx": source_table(fx, writeback)}
    path.write_text(tomlkit.dumps(table))
    return path


def run(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(path), *args])
    return result.exit_code, result.output


def test_setup_fields_tells_the_admin_what_to_create_and_check_then_passes(fx: FxiaokeSandbox, tmp_path: Path) -> None:
    path = write_config(fx, tmp_path, dict(WRITEBACK))
    code, output = run(path, "check", "fx")
    assert code == EXIT_PROBLEMS and "AccountObj.Credit_Limit__c (writeback.credit_limit): missing" in output
    assert "accounts.country" in output and "missing" not in output.split("writeback")[0]  # country__r is readable
    code, output = run(path, "setup-fields", "fx")
    assert code == EXIT_OK and "Credit_Limit__c (credit_limit): manual" in output
    assert "labelled 'Credit Limit'" in output and "fields.credit_limit" in output
    created = {key: fx.create_custom_field("AccountObj", label, type_, options)
               for key, (label, type_, options) in {
                   "credit_limit": ("Credit Limit", "currency", ()),
                   "grade": ("Credit Grade", "select_one", ("A", "B", "C", "D", "E")),
               }.items()}  # fmt: skip
    code, output = run(path, "setup-fields", "fx")
    assert f"{created['credit_limit']} (credit_limit): exists" in output
    path = write_config(fx, tmp_path, created)
    code, output = run(path, "check", "fx")
    assert code == EXIT_OK, output


def test_suggest_mapping_finds_the_fxiaoke_objects_and_fields(fx: FxiaokeSandbox, tmp_path: Path) -> None:
    path = write_config(fx, tmp_path, dict(WRITEBACK))
    code, output = run(path, "suggest-mapping", "fx")
    assert code == EXIT_OK, output
    suggested = tomllib.loads(output)["sources"]["fx"]
    assert suggested["invoices"]["object"] == "PaymentPlanObj"
    assert suggested["invoices"]["fields"]["due_on"] == "plan_payment_time"
    assert suggested["invoices"]["fields"]["account_crm_id"] == "account_id"
    assert suggested["invoices"]["fields"]["amount"] == "plan_payment_amount"
    assert suggested["orders"]["fields"]["amount"] == "order_amount"
    assert suggested["payments"]["fields"]["invoice_crm_id"] == "payment_plan_id"
    assert suggested["writeback"]["object"] == "AccountObj"
