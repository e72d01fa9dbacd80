"""`check`, `setup-fields` and `suggest-mapping` for a Zoho source, against the Zoho sandbox over HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tomlkit
from typer.testing import CliRunner

from cli.main import app
from sandbox.zoho import ZohoSandbox
from tests.connectors.contract.harness_zoho import WRITEBACK, source_table


@pytest.fixture(scope="module")
def box() -> Iterator[ZohoSandbox]:
    with ZohoSandbox(accounts=20, seed=3) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def config(box: ZohoSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("zoho-cli")
    path = folder / "crm-credit.toml"
    document = {"store": {"url": f"sqlite:///{folder / 'store.db'}"}, "sources": {"zoho": source_table(box)}}
    path.write_text(tomlkit.dumps(document))
    return path


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    return result.exit_code, result.output


def test_check_then_setup_fields_then_check_again(config: Path) -> None:
    code, output = _run(config, "check", "zoho")
    assert code == 1
    assert "!! zoho: Accounts.Credit_Limit (writeback.credit_limit): missing" in output
    assert "ok zoho: Invoices.Due_Date (invoices.due_on): ok" in output
    code, output = _run(config, "setup-fields", "zoho")
    assert code == 0
    assert all(f"{name} (" in output and "created" in output for name in WRITEBACK.values())
    code, output = _run(config, "setup-fields", "zoho")
    assert code == 0 and "created" not in output and output.count("exists") == len(WRITEBACK)
    code, output = _run(config, "check", "zoho")
    assert code == 0 and "!!" not in output


def test_suggest_mapping_proposes_zohos_fields_and_status_maps(config: Path) -> None:
    code, output = _run(config, "suggest-mapping", "zoho")
    assert code == 0
    proposed = tomlkit.parse(output).unwrap()["sources"]["zoho"]
    invoices = proposed["invoices"]
    assert invoices["object"] == "Invoices"
    assert {k: invoices["fields"][k] for k in ("account_crm_id", "amount", "balance", "due_on", "issued_on")} == {
        "account_crm_id": "Account_Name", "amount": "Grand_Total", "balance": "Balance_Due", "due_on": "Due_Date",
        "issued_on": "Invoice_Date"}  # fmt: skip
    assert invoices["transforms"]["status"]["map"]["Delivered"] == "open"
    orders = proposed["orders"]
    assert orders["object"] == "Sales_Orders" and orders["fields"]["uninvoiced_amount"] == "Uninvoiced_Amount"
    assert orders["transforms"]["status"]["map"]["Delivered"] == "invoiced"
    assert proposed["accounts"]["fields"]["parent_crm_id"] == "Parent_Account"
    assert proposed["writeback"]["fields"]["credit_limit"] == "Credit_Limit"
