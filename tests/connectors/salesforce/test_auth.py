"""Logging in at the configured login_url with each method, one re-login on expiry, and call tagging."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.base import ConnectorContext, RecordWrite
from connectors.errors import AuthExpired, AuthFailed
from connectors.salesforce.auth import jwt_audience
from connectors.salesforce.connector import SalesforceConnector
from sandbox.faults import Fault
from sandbox.salesforce import SalesforceSandbox
from tests.connectors.salesforce.conftest import connector_for, settings_for


def _count_accounts(connector: SalesforceConnector) -> int:
    return connector.client.count("count", "SELECT COUNT() FROM Account", False)


def test_password_login_goes_to_the_configured_login_url(box: SalesforceSandbox) -> None:
    connector = connector_for(box)
    assert _count_accounts(connector) == len(box.ids("Account"))
    assert box.calls.count("POST", "/services/Soap/u/61.0") == 1
    assert connector.organization_id == box.org_id


def test_a_refused_password_is_auth_failed_and_the_message_holds_no_secret(box: SalesforceSandbox) -> None:
    auth = {**settings_for(box).auth.model_dump(), "password": "Wr0ng-Passw0rd!"}
    auth["security_token"] = "TokenThatMustNotLeak"
    connector = connector_for(box, auth={k: _plain(v) for k, v in auth.items()})
    with pytest.raises(AuthFailed) as refused:
        _count_accounts(connector)
    assert "INVALID_LOGIN" in str(refused.value)
    assert "Wr0ng" not in str(refused.value) and "TokenThatMustNotLeak" not in str(refused.value)


def _plain(value: Any) -> Any:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def test_jwt_bearer_signs_an_rs256_assertion_for_the_login_url(box: SalesforceSandbox, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    box.set_credentials(jwt_certificate_pem=public)
    auth = {
        "method": "jwt",
        "login_url": box.url,
        "consumer_key": box.credentials.consumer_key,
        "username": box.credentials.username,
        "private_key_file": str(tmp_path / "key.pem"),
    }
    assert _count_accounts(connector_for(box, auth=auth)) == len(box.ids("Account"))
    assert box.calls.count("POST", "/services/oauth2/token") == 1


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
    ],
)
def test_the_jwt_audience_is_the_login_server_salesforce_names(login_url: str, audience: str) -> None:
    assert jwt_audience(login_url) == audience


def test_client_credentials_use_basic_auth_at_the_my_domain(box: SalesforceSandbox) -> None:
    creds = box.credentials
    auth = {"method": "client_credentials", "login_url": box.url, "consumer_key": creds.consumer_key,
            "consumer_secret": creds.consumer_secret}  # fmt: skip
    assert _count_accounts(connector_for(box, auth=auth)) == len(box.ids("Account"))


def test_a_configured_session_is_used_as_is_and_cannot_be_renewed(fresh: SalesforceSandbox) -> None:
    connector = connector_for(
        fresh, instance_url=fresh.url, auth={"method": "session", "session_id": fresh.issue_session()}
    )
    assert _count_accounts(connector) == len(fresh.ids("Account"))
    fresh.expire_sessions()
    with pytest.raises(AuthFailed, match="configure a new one"):
        _count_accounts(connector)


def test_an_expired_session_is_renewed_once_and_the_call_replayed(fresh: SalesforceSandbox) -> None:
    connector = connector_for(fresh)
    _count_accounts(connector)
    fresh.expire_sessions()
    assert _count_accounts(connector) == len(fresh.ids("Account"))
    assert connector.client.logins == 2


def test_a_session_refused_again_after_the_re_login_is_auth_expired(fresh: SalesforceSandbox) -> None:
    connector = connector_for(fresh)
    _count_accounts(connector)
    fresh.faults.add(Fault(401, times=2, path="/query", code="INVALID_SESSION_ID"))
    with pytest.raises(AuthExpired):
        _count_accounts(connector)
    assert connector.client.logins == 2  # one re-login, not a loop


class _Tokens:
    def __init__(self) -> None:
        self.saved: dict[str, str] = {}

    def load_token(self, key: str, now: datetime) -> str | None:
        return self.saved.get(key)

    def save_token(self, key: str, token: str, expires_at: datetime) -> None:
        assert expires_at > datetime.now(UTC)
        self.saved[key] = token


def test_a_shared_token_saves_the_next_process_a_login(fresh: SalesforceSandbox) -> None:
    tokens = _Tokens()
    context = ConnectorContext("sf", tokens=tokens, sleep=lambda s: None)
    first = SalesforceConnector("sf", settings_for(fresh), context)
    _count_accounts(first)
    second = SalesforceConnector("sf", settings_for(fresh), context)
    _count_accounts(second)
    assert (first.client.logins, second.client.logins) == (1, 0)
    assert not any(fresh.credentials.password in value for value in tokens.saved.values())


def test_every_write_is_tagged_with_the_crm_credit_client(fresh: SalesforceSandbox) -> None:
    connector = connector_for(fresh)
    account = fresh.ids("Account")[0]
    connector.push([RecordWrite(account, {"Credit_Score__c": 61})])
    assert fresh.changes[-1].record_id == account and fresh.changes[-1].client == "crm-credit"
