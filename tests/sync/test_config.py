"""crm-credit.toml: the whole file validates, interpolates ${ENV}, resolves paths, and fails clearly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors.errors import ConfigError
from connectors.salesforce.settings import SalesforceSource
from connectors.zoho.settings import ZohoSource
from sync.config import load_config

FULL = """
[store]
url = "sqlite:///data/crm-credit.db"
[queue]
url = "redis://127.0.0.1:6379/0"
[policy]
file = "policy.toml"
[webhooks]
secret = "${HOOK_SECRET}"
[users]
"alice@example.com" = "${ALICE_TOKEN}"
[fx]
rates = { EUR = "1.08", GBP = 1.27 }
[alerts]
to = ["credit@example.com"]
[approvers.credit_manager]
users = ["alice@example.com"]
ceiling = "250000"

[sources.sf]
kind = "salesforce"
instance_url = "https://acme.my.salesforce.com"
ca_bundle = "certs/ca.pem"
[sources.sf.auth]
username = "${SF_USERNAME}"
password = "${SF_PASSWORD}"
[sources.sf.accounts]
object = "Account"
fields = { name = "Name", "financials.total_assets" = "Total_Assets__c" }
[sources.sf.invoices]
object = "Invoice__c"
fields = { account_crm_id = "Account__c", amount = "Amount__c", status = "Status__c" }
transforms = { status = { map = { "Open" = "open" } }, amount = { scale = "1000" } }
[sources.sf.writeback]
object = "Account"
fields = { credit_limit = "Credit_Limit__c" }

[sources.zoho]
kind = "zoho"
[sources.zoho.auth]
client_id = "id"
client_secret = "${ZOHO_SECRET}"
refresh_token = "r"
"""
ENV = {
    "HOOK_SECRET": "h",
    "ALICE_TOKEN": "t",
    "SF_USERNAME": "u@x",
    "SF_PASSWORD": "hunter2-secret",
    "ZOHO_SECRET": "z",
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crm-credit.toml"
    path.write_text(text)
    return path


def test_the_documented_file_loads_with_defaults_paths_and_environment(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL), ENV)
    assert config.store.url == f"sqlite:///{tmp_path}/data/crm-credit.db"
    assert config.policy.path() == tmp_path / "policy.toml"
    assert config.fx.rates == {"EUR": Decimal("1.08"), "GBP": Decimal("1.27")}
    assert config.queue.sync_interval_s == 900 and config.webhooks.max_body_kb == 512
    assert config.queue.name == "crm-credit"
    sf = config.source("sf")
    assert isinstance(sf, SalesforceSource) and sf.ca_bundle == str(tmp_path / "certs/ca.pem")
    assert sf.auth.password.get_secret_value() == "hunter2-secret"  # type: ignore[union-attr]
    assert isinstance(config.source("zoho"), ZohoSource)
    assert config.approvers["credit_manager"].ceiling == Decimal("250000")


def test_a_missing_environment_variable_is_named(tmp_path: Path) -> None:
    env = {k: v for k, v in ENV.items() if k != "SF_PASSWORD"}
    with pytest.raises(ConfigError, match=r"sources\.sf\.auth\.password: environment variable SF_PASSWORD"):
        load_config(_write(tmp_path, FULL), env)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('fields = { name = "Name",', 'fields = { nmae = "Name",'), r"sources\.sf: .*unknown account field 'nmae'"),
        (("[alerts]", "[alerts]\ncolour = 1"), r"alerts\.colour: unknown key"),
        (('kind = "zoho"', 'kind = "hubspot"'), r"sources\.zoho: .*hubspot"),
        (('rates = { EUR = "1.08"', 'rates = { EUR = "lots"'), r"fx\.rates: .*'lots'"),
        (('url = "redis', 'sync_interval_s = 0\nurl = "redis'), r"queue\.sync_interval_s: .* \(value .0.\)"),
        (('url = "redis', 'name = "a b"\nurl = "redis'), r"queue\.name: .*\(value 'a b'\)"),
    ],
)
def test_errors_name_the_file_the_key_and_the_value(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = _write(tmp_path, FULL.replace(*change))
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path, ENV)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_a_bad_secret_is_never_echoed(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL.replace('password = "${SF_PASSWORD}"', "password = 12345678"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    assert "auth.password" in str(caught.value) and "12345678" not in str(caught.value)


def test_only_sources_are_required(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sources: required key is missing"):
        load_config(_write(tmp_path, "[store]\nurl = 'sqlite:///x.db'\n"), {})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.toml", {})
