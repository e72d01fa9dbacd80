"""Logging in to the configured `login_url` (a My Domain, test.salesforce.com, a sandbox) with the
library's own login code.

simple-salesforce's constructor only builds `https://{domain}.salesforce.com` login URLs, so the
flows are driven one level down: `SalesforceLogin(scratch_url=...)` posts the SOAP partner login to
`{login_url}/services/Soap/u/{ver}`, and `token_login` posts OAuth grants to
`{login_url}/services/oauth2/token`. Both use our retrying session. Secrets are read from SecretStr
only here and never enter a message.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin, token_login

from connectors.errors import AuthFailed, ConfigError
from connectors.salesforce.failures import network_failure, translate
from connectors.salesforce.settings import (
    ClientCredentialsAuth,
    JwtAuth,
    PasswordAuth,
    SalesforceSource,
    SessionAuth,
)

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_S = 180  # Salesforce accepts assertions valid for at most 3 minutes


@dataclass(frozen=True)
class Login:
    """A live session: its id and the instance it belongs to (`https://host[:port]`)."""

    session_id: str
    instance_url: str


def _origin(url: str, what: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"{what} must be an https:// URL, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _instance(sf_instance: str) -> str:
    # The library returns the instance host (and port) without a scheme; Salesforce is always HTTPS.
    return "https://" + sf_instance.strip("/")


def _password(auth: PasswordAuth, session: requests.Session, version: str) -> Login:
    session_id, sf_instance = SalesforceLogin(
        username=auth.username,
        password=auth.password.get_secret_value(),
        security_token=auth.security_token.get_secret_value(),
        sf_version=version,
        session=session,
        scratch_url=_origin(auth.login_url, "auth.login_url"),
    )
    return Login(session_id, _instance(sf_instance))


def jwt_audience(origin: str) -> str:
    """The `aud` Salesforce expects: login or test.salesforce.com for its own hosts (a My Domain
    included), the site URL for anything else (an Experience Cloud site, a local sandbox)."""
    host = urlsplit(origin).hostname or ""
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host == "salesforce.com" or host.endswith(".salesforce.com"):
        return "https://login.salesforce.com"
    return origin


def _jwt(auth: JwtAuth, session: requests.Session) -> Login:
    origin = _origin(auth.login_url, "auth.login_url")
    try:
        key = Path(auth.private_key_file).read_bytes()
    except OSError as exc:
        raise ConfigError(f"auth.private_key_file {auth.private_key_file!r} cannot be read ({exc.strerror})") from None
    claims = {
        "iss": auth.consumer_key,
        "sub": auth.username,
        "aud": jwt_audience(origin),
        "exp": int(time.time()) + JWT_LIFETIME_S,
    }
    try:
        assertion = jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise ConfigError("auth.private_key_file is not an RSA private key in PEM form") from None
    data = {"grant_type": JWT_GRANT, "assertion": assertion}
    token, sf_instance = token_login(
        f"{origin}/services/oauth2/token", data, urlsplit(origin).netloc, auth.consumer_key, None, None, session
    )
    return Login(str(token), _instance(str(sf_instance)))


def _client_credentials(auth: ClientCredentialsAuth, session: requests.Session) -> Login:
    origin = _origin(auth.login_url, "auth.login_url")
    pair = f"{auth.consumer_key}:{auth.consumer_secret.get_secret_value()}"
    headers = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    token, sf_instance = token_login(
        f"{origin}/services/oauth2/token",
        {"grant_type": "client_credentials"},
        urlsplit(origin).netloc,
        auth.consumer_key,
        headers,
        None,
        session,
    )
    return Login(str(token), _instance(str(sf_instance)))


def log_in(settings: SalesforceSource, session: requests.Session) -> Login:
    """A fresh session for the configured auth method (raises AuthFailed, TransientError, ConfigError)."""
    auth = settings.auth
    try:
        if isinstance(auth, SessionAuth):
            if not settings.instance_url:
                raise ConfigError("auth.method = 'session' needs instance_url")
            return Login(auth.session_id.get_secret_value(), _origin(settings.instance_url, "instance_url"))
        if isinstance(auth, PasswordAuth):
            return _password(auth, session, settings.api_version)
        if isinstance(auth, JwtAuth):
            return _jwt(auth, session)
        return _client_credentials(auth, session)
    except SalesforceAuthenticationFailed as exc:
        raise translate(exc, "login") from None
    except requests.RequestException as exc:
        raise network_failure(exc, "login") from None
    except (AttributeError, TypeError, ValueError):
        # A login answer without the expected fields (e.g. no instance_url): not a Salesforce login endpoint.
        raise AuthFailed(f"the login endpoint {auth_origin(settings)} did not answer like Salesforce") from None


def auth_origin(settings: SalesforceSource) -> str:
    """Where this source logs in (for messages; holds no secret)."""
    auth = settings.auth
    return settings.instance_url if isinstance(auth, SessionAuth) else auth.login_url


def can_log_in_again(settings: SalesforceSource) -> bool:
    """A configured session id cannot be renewed; every other method can log in again."""
    return not isinstance(settings.auth, SessionAuth)
