"""Who is calling /api (and the /admin pages): a `[users]` token as a bearer header, or a session cookie.

Tokens are compared in constant time against every configured user. The admin login form swaps a
token for a session cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) whose value is signed with
HMAC-SHA256 keyed by that user's own token: any `serve` process can check it from the config alone,
and changing a user's token ends their sessions. Tokens never appear in logs or answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from fastapi import HTTPException, Request
from pydantic import SecretStr
from starlette.responses import Response

SESSION_COOKIE = "crm_credit_session"
SESSION_SECONDS = 8 * 3600
_SESSION_CONTEXT = b"crm-credit session v1|"


def user_for_token(users: Mapping[str, SecretStr], token: str) -> str | None:
    """The user whose token this is; every user is compared, so timing does not tell which matched."""
    found: str | None = None
    presented = token.encode()
    for email, secret in users.items():
        expected = secret.get_secret_value().encode()
        if expected and hmac.compare_digest(presented, expected):
            found = email
    return found


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def _mac(secret: SecretStr, email: str, expires: int) -> str:
    message = _SESSION_CONTEXT + email.encode() + b"|" + str(expires).encode()
    return hmac.new(secret.get_secret_value().encode(), message, hashlib.sha256).hexdigest()


def session_value(users: Mapping[str, SecretStr], email: str, now: float | None = None) -> str:
    """A signed cookie value naming `email` (a `[users]` entry) until SESSION_SECONDS from now."""
    expires = int((time.time() if now is None else now) + SESSION_SECONDS)
    name = base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")
    return f"{name}.{expires}.{_mac(users[email], email, expires)}"


def user_for_session(users: Mapping[str, SecretStr], value: str, now: float | None = None) -> str | None:
    """The user a cookie value was issued to, if its signature holds and it has not expired."""
    name, _, rest = value.partition(".")
    expires_text, _, mac = rest.partition(".")
    try:
        email = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        expires = int(expires_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    secret = users.get(email)
    if secret is None or not secret.get_secret_value() or expires < (time.time() if now is None else now):
        return None
    return email if hmac.compare_digest(mac.encode(), _mac(secret, email, expires).encode()) else None


def set_session_cookie(response: Response, users: Mapping[str, SecretStr], email: str, secure: bool) -> None:
    """Log `email` in on this response (the admin login form calls it after checking the token)."""
    response.set_cookie(
        SESSION_COOKIE,
        session_value(users, email),
        max_age=SESSION_SECONDS,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    """Log out."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def current_user(request: Request, users: Mapping[str, SecretStr]) -> str | None:
    """The caller, by bearer token or session cookie; None when neither holds."""
    token = bearer_token(request)
    if token is not None:
        return user_for_token(users, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    return user_for_session(users, cookie) if cookie else None


def require_user(request: Request) -> str:
    """FastAPI dependency: the calling user, or 401 with a bearer challenge."""
    users: Mapping[str, SecretStr] = request.app.state.service.config.users
    user = current_user(request, users)
    if user is None:
        raise HTTPException(401, "a valid token is required", headers={"WWW-Authenticate": "Bearer"})
    return user
