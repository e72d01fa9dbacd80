"""OAuth 2.0 token endpoint: password, client_credentials (Basic auth), JWT bearer (RS256, verified
against the connected app's certificate) and refresh_token grants; plus userinfo and the identity URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.errors import invalid_session
from sandbox.salesforce.state import SandboxState

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JSON = "application/json;charset=UTF-8"
KNOWN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthError(Exception):
    """An OAuth failure: HTTP 400 with {"error", "error_description"}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status


def _public_key(pem: bytes) -> Any:
    if b"CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return serialization.load_pem_public_key(pem)


def _basic_client(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_client", "invalid client credentials") from None
    return key, secret


def _password_grant(state: SandboxState, form: dict[str, str]) -> None:
    creds = state.credentials
    if not creds.client_ok(form.get("client_id", ""), None):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not creds.client_ok(form.get("client_id", ""), form.get("client_secret", "")):
        raise OAuthError("invalid_client", "invalid client credentials")
    if not creds.password_ok(form.get("username", ""), form.get("password", "")):
        raise OAuthError("invalid_grant", "authentication failure")


def _client_credentials_grant(state: SandboxState, request: Request, form: dict[str, str]) -> None:
    creds = state.credentials
    key, secret = _basic_client(request) or (form.get("client_id", ""), form.get("client_secret", ""))
    if not creds.client_ok(key, None):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not creds.client_ok(key, secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    if not creds.client_credentials_enabled:
        raise OAuthError("invalid_grant", "no client credentials user enabled")


def _jwt_grant(state: SandboxState, request: Request, form: dict[str, str]) -> None:
    creds = state.credentials
    assertion = form.get("assertion", "")
    if creds.jwt_certificate_pem is None:
        raise OAuthError("invalid_client", "invalid client credentials")
    try:
        # Salesforce accepts `exp` as a string (simple-salesforce sends one), so it is checked by hand.
        claims = jwt.decode(
            assertion,
            _public_key(creds.jwt_certificate_pem),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False},
        )
    except jwt.PyJWTError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if not creds.client_ok(str(claims.get("iss", "")), None):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    base = f"{request.url.scheme}://{request.url.netloc}"
    audience = str(claims.get("aud", ""))
    if audience not in KNOWN_AUDIENCES and not (audience == base or audience.startswith(base + "/")):
        raise OAuthError("invalid_grant", "audience is invalid")
    try:
        expires = float(str(claims.get("exp")))
    except ValueError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if expires < time.time():
        raise OAuthError("invalid_grant", "expired authorization code")
    if str(claims.get("sub", "")).lower() != creds.username.lower():
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")


def _refresh_grant(state: SandboxState, request: Request, form: dict[str, str]) -> None:
    creds = state.credentials
    key, secret = _basic_client(request) or (form.get("client_id", ""), form.get("client_secret"))
    if not creds.client_ok(key, None):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if secret is not None and not creds.client_ok(key, secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    if form.get("refresh_token", "") not in creds.refresh_tokens:
        raise OAuthError("invalid_grant", "expired access/refresh token")


async def token(request: Request, state: SandboxState) -> Response:
    """POST */services/oauth2/token."""
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
    grant = form.get("grant_type", "")
    handlers = {
        "password": lambda: _password_grant(state, form),
        "client_credentials": lambda: _client_credentials_grant(state, request, form),
        JWT_GRANT: lambda: _jwt_grant(state, request, form),
        "refresh_token": lambda: _refresh_grant(state, request, form),
    }
    try:
        if grant not in handlers:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        handlers[grant]()
    except OAuthError as failure:
        body = {"error": failure.error, "error_description": failure.description}
        return Response(json.dumps(body), failure.status, media_type=JSON)
    session = state.sessions.issue(state.org.api_user_id)
    base = f"{request.url.scheme}://{request.url.netloc}"
    identity = f"{base}/id/{state.org.org_id}/{state.org.api_user_id}"
    issued_at = str(int(time.time() * 1000))
    signature = base64.b64encode(
        hmac.new(state.credentials.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    body = {
        "access_token": session.token,
        "instance_url": base,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
        "scope": "api",
    }
    return Response(json.dumps(body), 200, media_type=JSON)


def identity(state: SandboxState, base: str) -> dict[str, object]:
    """The identity document of the API user (userinfo / the `id` URL)."""
    org = state.org
    users = org.tables["user"]
    index = users.index_of(org.api_user_id)
    row = users.rows[index] if index is not None else None
    value = {f.name: row[f.slot] for f in users.sobject.fields} if row is not None else {}
    return {
        "sub": f"{base}/id/{org.org_id}/{org.api_user_id}",
        "user_id": org.api_user_id,
        "organization_id": org.org_id,
        "preferred_username": value.get("Username"),
        "name": value.get("Name"),
        "email": value.get("Email"),
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "urls": {
            "rest": f"{base}/services/data/v{{version}}/",
            "query": f"{base}/services/data/v{{version}}/query/",
            "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
        },
    }


async def userinfo(request: Request, state: SandboxState) -> Response:
    """GET /services/oauth2/userinfo and GET /id/{org}/{user} with a Bearer session."""
    header = request.headers.get("authorization", "")
    session = state.sessions.check(header[7:]) if header.lower().startswith("bearer ") else None
    if session is None:
        return invalid_session().response()
    base = f"{request.url.scheme}://{request.url.netloc}"
    return Response(json.dumps(identity(state, base)), 200, media_type=JSON)
