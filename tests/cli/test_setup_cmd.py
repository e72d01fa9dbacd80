"""`check`, `setup-fields` and `suggest-mapping` from the command line against a sandbox org."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomlkit
from typer.testing import CliRunner

from cli.app import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from cli.main import app
from connectors.salesforce.settings import SalesforceSource
from sandbox.salesforce import SalesforceSandbox
from tests.connectors.contract.harness_salesforce import source_table


@pytest.fixture
def config(tmp_path: Path) -> Iterator[tuple[SalesforceSandbox, Path]]:
    with SalesforceSandbox(accounts=5, seed=41) as box:
        path = tmp_path / "crm-credit.toml"
        table = {"store": {"url": f"sqlite:///{tmp_path / 'store.db'}"}, "sources": {"sf": source_table(box)}}
        path.write_text(tomlkit.dumps(table))
        yield box, path


def _run(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(path), *args])
    return result.exit_code, result.output


def test_check_fails_until_setup_fields_has_created_the_write_back_fields(
    config: tuple[SalesforceSandbox, Path],
) -> None:
    _box, path = config
    code, output = _run(path, "check", "sf")
    assert code == EXIT_PROBLEMS and "Credit_Limit__c (writeback.credit_limit): missing" in output
    code, output = _run(path, "setup-fields", "sf")
    assert code == EXIT_OK and "Credit_Limit__c (credit_limit): created" in output
    code, output = _run(path, "--json", "check")
    report = json.loads(output)
    assert code == EXIT_OK and report["sources"]["sf"]["problems"] == 0
    assert {line["status"] for line in report["sources"]["sf"]["fields"]} == {"ok"}


def test_export_metadata_writes_dx_source_and_creates_nothing(
    config: tuple[SalesforceSandbox, Path], tmp_path: Path
) -> None:
    box, path = config
    code, output = _run(path, "setup-fields", "sf", "--export-metadata", str(tmp_path / "dx"))
    assert code == EXIT_OK, output
    assert (tmp_path / "dx/objects/Account/fields/Credit_Grade__c.field-meta.xml").exists()
    assert box.calls.count("POST", "/tooling/sobjects/CustomField") == 0


def test_suggest_mapping_prints_toml_a_source_table_can_use(config: tuple[SalesforceSandbox, Path]) -> None:
    box, path = config
    code, output = _run(path, "suggest-mapping", "sf")
    assert code == EXIT_OK, output
    proposed = tomllib.loads(output)["sources"]["sf"]
    assert proposed["invoices"]["fields"]["due_on"] == "Due_Date__c"
    assert proposed["invoices"]["transforms"]["status"]["map"]["Paid"] == "paid"
    assert "missing" in output  # the write-back fields do not exist yet
    table = {**source_table(box), **proposed}
    SalesforceSource.model_validate(table)


def test_an_unknown_source_is_a_usage_error(config: tuple[SalesforceSandbox, Path]) -> None:
    _box, path = config
    code, _output = _run(path, "check", "nope")
    assert code == EXIT_USAGE
