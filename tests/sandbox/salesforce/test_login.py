"""Logins as simple-salesforce performs them, and sessions that expire on demand."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed, SalesforceExpiredSession

from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import login_domain, password_client, trusting_session


def _key_and_certificate() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crm-credit connected app")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private_pem, certificate.public_bytes(serialization.Encoding.PEM)


def test_soap_password_login_yields_a_working_session(box: SalesforceSandbox) -> None:
    sf = password_client(box)
    assert sf.sf_instance == box.url.removeprefix("https://")
    assert sf.session_id.startswith(box.org_id[:15] + "!")
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 60


def test_a_bad_password_is_a_soap_fault_with_http_500(box: SalesforceSandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(
            username=box.credentials.username,
            password="wrong",
            security_token=box.credentials.security_token,
            domain=login_domain(box),
            session=trusting_session(box),
        )
    assert caught.value.code == "INVALID_LOGIN"
    raw = trusting_session(box).post(
        f"{box.url}/services/Soap/u/59.0", data="<x/>", headers={"SOAPAction": "login", "content-type": "text/xml"}
    )
    assert raw.status_code == 500
    assert b"<faultcode>sf:INVALID_LOGIN</faultcode>" in raw.content
    assert b"<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in raw.content


def test_client_credentials_with_basic_auth(box: SalesforceSandbox) -> None:
    sf = Salesforce(
        consumer_key=box.credentials.consumer_key,
        consumer_secret=box.credentials.consumer_secret,
        domain=login_domain(box),
        session=trusting_session(box),
    )
    assert sf.query("SELECT Id FROM Organization")["records"][0]["Id"] == box.org_id
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(
            consumer_key=box.credentials.consumer_key,
            consumer_secret="nope",
            domain=login_domain(box),
            session=trusting_session(box),
        )
    assert caught.value.code == "invalid_client"


def test_jwt_bearer_is_verified_against_the_connected_app_certificate(box: SalesforceSandbox) -> None:
    private_pem, certificate_pem = _key_and_certificate()
    box.set_credentials(jwt_certificate_pem=certificate_pem)
    sf = Salesforce(
        username=box.credentials.username,
        consumer_key=box.credentials.consumer_key,
        privatekey=private_pem.decode(),
        domain=login_domain(box),
        session=trusting_session(box),
    )
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 60
    other_key, _ = _key_and_certificate()
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(
            username=box.credentials.username,
            consumer_key=box.credentials.consumer_key,
            privatekey=other_key.decode(),
            domain=login_domain(box),
            session=trusting_session(box),
        )
    assert (caught.value.code, caught.value.auth_message) == ("invalid_grant", "invalid assertion")


def test_an_expired_jwt_assertion_is_refused(box: SalesforceSandbox) -> None:
    private_pem, certificate_pem = _key_and_certificate()
    box.set_credentials(jwt_certificate_pem=certificate_pem)
    assertion = jwt.encode(
        {
            "iss": box.credentials.consumer_key,
            "sub": box.credentials.username,
            "aud": "https://login.salesforce.com",
            "exp": "1000",
        },
        private_pem,
        algorithm="RS256",
    )
    answer = trusting_session(box).post(
        f"{box.url}/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_refresh_token_grant_issues_a_new_access_token(box: SalesforceSandbox) -> None:
    box.set_credentials(refresh_tokens={"5Aep861refresh"})
    http = trusting_session(box)
    answer = http.post(
        f"{box.url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "5Aep861refresh",
            "client_id": box.credentials.consumer_key,
        },
    )
    body = answer.json()
    assert answer.status_code == 200
    assert {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"} <= set(body)
    assert body["instance_url"] == box.url
    refused = http.post(
        f"{box.url}/services/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "stale", "client_id": box.credentials.consumer_key},
    )
    assert refused.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}
    basic = base64.b64encode(f"{box.credentials.consumer_key}:{box.credentials.consumer_secret}".encode()).decode()
    assert http.post(
        f"{box.url}/services/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "5Aep861refresh"},
        headers={"Authorization": f"Basic {basic}"},
    ).ok


def test_oauth_password_grant_through_simple_salesforce(box: SalesforceSandbox) -> None:
    creds = box.credentials
    sf = Salesforce(
        username=creds.username,
        password=creds.password + creds.security_token,
        consumer_key=creds.consumer_key,
        consumer_secret=creds.consumer_secret,
        domain=login_domain(box),
        session=trusting_session(box),
    )
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 11


def test_expired_sessions_make_simple_salesforce_log_in_again(fresh: SalesforceSandbox) -> None:
    sf = password_client(fresh)
    first_session = sf.session_id
    fresh.expire_sessions()
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 30
    assert sf.session_id != first_session
    assert fresh.calls.count("POST", "/services/Soap/u/") == 2
    assert [c.status for c in fresh.calls.calls if "/query" in c.path] == [401, 200]


def test_a_direct_session_cannot_recover_from_expiry(fresh: SalesforceSandbox) -> None:
    sf = Salesforce(instance_url=fresh.url, session_id=fresh.issue_session(), session=trusting_session(fresh))
    fresh.expire_sessions()
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert caught.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_sessions_serve_every_api_version_at_once(box: SalesforceSandbox) -> None:
    http = trusting_session(box)
    http.headers["Authorization"] = f"Bearer {box.issue_session()}"
    for version in ("59.0", "60.0", "61.0", "62.0"):
        assert http.get(f"{box.url}/services/data/v{version}/query", params={"q": "SELECT Id FROM User"}).ok
    assert http.get(f"{box.url}/services/data/v12.0/query", params={"q": "SELECT Id FROM User"}).status_code == 404
    versions = http.get(f"{box.url}/services/data/").json()
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions
