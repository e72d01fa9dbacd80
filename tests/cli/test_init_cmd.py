"""`crm-credit init`: a starter config and policy that `check` accepts once credentials are set."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import EXIT_OK, EXIT_USAGE, app
from cli.init_cmd import environment_names, starter_config
from cli.main import run  # noqa: F401  registers every command
from credit_core.policy import default_policy_text, load_policy
from sandbox.fxiaoke import FxiaokeSandbox
from sandbox.salesforce import SalesforceSandbox
from sync.config import load_config
from tests.connectors.contract.harness_fxiaoke import WRITEBACK, install_writeback_fields


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_init_writes_a_commented_config_without_secrets_and_the_policy(tmp_path: Path) -> None:
    config = tmp_path / "crm-credit.toml"
    code, output = _cli("--config", str(config), "--json", "init")
    assert code == EXIT_OK, output
    written = json.loads(output)
    assert written["environment"] == ["SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN"]
    text = config.read_text()
    assert text.count("#") >= 25  # every section is explained
    assert '"${SF_PASSWORD}"' in text
    assert (tmp_path / "credit-policy.toml").read_text() == default_policy_text()
    env = {"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_SECURITY_TOKEN": "t"}
    loaded = load_config(config, env)
    assert loaded.sources["sf"].kind == "salesforce"
    assert load_policy(loaded.policy.path()).base_currency == "USD"


def test_init_refuses_to_overwrite_a_config_without_force_and_keeps_the_policy(tmp_path: Path) -> None:
    config = tmp_path / "crm-credit.toml"
    assert _cli("--config", str(config), "init")[0] == EXIT_OK
    code, output = _cli("--config", str(config), "init")
    assert code == EXIT_USAGE and "--force" in output
    policy = tmp_path / "credit-policy.toml"
    policy.write_text(default_policy_text().replace('version = "2026.1"', 'version = "ours"'))
    code, output = _cli("--config", str(tmp_path / "zoho.toml"), "init", "--kind", "zoho")
    assert code == EXIT_OK and "kept the existing" in output
    assert 'version = "ours"' in policy.read_text()
    assert _cli("--config", str(config), "init", "--force", "--kind", "zoho")[0] == EXIT_OK
    assert tomllib.loads(config.read_text())["sources"]["zoho"]["kind"] == "zoho"


def test_an_unknown_kind_or_a_bad_source_name_is_a_usage_error(tmp_path: Path) -> None:
    config = str(tmp_path / "crm-credit.toml")
    assert _cli("--config", config, "init", "--kind", "dynamics")[0] == EXIT_USAGE
    assert _cli("--config", config, "init", "--source", "my source")[0] == EXIT_USAGE


def test_environment_names_skip_comments() -> None:
    text = starter_config("zoho", "z")
    assert environment_names(text) == ["ZOHO_CHANNEL_TOKEN", "ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET",
                                       "ZOHO_REFRESH_TOKEN"]  # fmt: skip
    assert "ALICE_TOKEN" not in environment_names(text)


@pytest.fixture
def org() -> SalesforceSandbox:
    with SalesforceSandbox(accounts=6, seed=43) as box:
        yield box


def test_check_accepts_the_starter_once_credentials_are_set_and_fields_exist(
    tmp_path: Path, org: SalesforceSandbox
) -> None:
    config = str(tmp_path / "crm-credit.toml")
    assert _cli("--config", config, "init", "--url", org.url, "--ca-bundle", str(org.ca_pem))[0] == EXIT_OK
    creds = org.credentials
    env = {"SF_USERNAME": creds.username, "SF_PASSWORD": creds.password, "SF_SECURITY_TOKEN": creds.security_token}
    assert _cli("--config", config, "check", env={})[0] == EXIT_USAGE  # credentials not set yet
    assert _cli("--config", config, "setup-fields", "sf", env=env)[0] == EXIT_OK
    code, output = _cli("--config", config, "check", env=env)
    assert code == EXIT_OK, output
    code, output = _cli("--config", config, "sync", env=env)
    assert code == EXIT_OK, output  # the starter mapping reads every record without quarantine


def test_the_fxiaoke_starter_syncs_a_tenant_once_the_admins_field_names_are_pasted_in(tmp_path: Path) -> None:
    config = tmp_path / "crm-credit.toml"
    with FxiaokeSandbox(accounts=4, seed=43, rate_limit=(10_000, 20.0), token_limit=(10_000, 20.0)) as fx:
        code, output = _cli("--config", str(config), "--json", "init", "--kind", "fxiaoke", "--url", fx.url,
                            "--ca-bundle", str(fx.ca_pem))  # fmt: skip
        assert code == EXIT_OK, output
        assert json.loads(output)["environment"] == ["FX_APP_ID", "FX_APP_SECRET", "FX_PERMANENT_CODE", "FX_USER_ID"]
        env = {"FX_APP_ID": fx.app_id, "FX_APP_SECRET": fx.app_secret, "FX_PERMANENT_CODE": fx.permanent_code,
               "FX_USER_ID": fx.user_id}  # fmt: skip
        code, output = _cli("--config", str(config), "setup-fields", "fx", env=env)
        assert "Credit_Limit__c (credit_limit): manual" in output
        text = config.read_text()
        for key, made in install_writeback_fields(fx).items():  # what the admin does in the console
            text = text.replace(f'"{WRITEBACK[key]}"', f'"{made}"')
        config.write_text(text)
        code, output = _cli("--config", str(config), "check", "fx", env=env)
        assert code == EXIT_OK, output
        code, output = _cli("--config", str(config), "sync", "fx", env=env)
        assert code == EXIT_OK, output
