"""Login credentials the sandbox accepts, and the session ids it has issued (expirable on demand)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

DEFAULT_PASSWORD = "sandbox-password"  # noqa: S105 - a throwaway sandbox credential, printed for users
DEFAULT_TOKEN = "SandboxSecurityToken1"  # noqa: S105
DEFAULT_CONSUMER_KEY = "3MVG9crmcredit.sandbox.consumer.key"
DEFAULT_CONSUMER_SECRET = "sandbox-consumer-secret"  # noqa: S105


@dataclass
class Credentials:
    """What the org accepts. The JWT flow needs the connected app's certificate (or public key) PEM."""

    username: str
    password: str = DEFAULT_PASSWORD
    security_token: str = DEFAULT_TOKEN
    require_security_token: bool = True  # False: the caller's IP is "trusted", the password alone works
    consumer_key: str = DEFAULT_CONSUMER_KEY
    consumer_secret: str = DEFAULT_CONSUMER_SECRET
    jwt_certificate_pem: bytes | None = None
    client_credentials_enabled: bool = True
    refresh_tokens: set[str] = field(default_factory=set)

    def password_ok(self, username: str, password: str) -> bool:
        """Username (case-insensitive) and password + security token, as SOAP login checks them."""
        if username.lower() != self.username.lower():
            return False
        if secrets.compare_digest(password, self.password + self.security_token):
            return True
        return not self.require_security_token and secrets.compare_digest(password, self.password)

    def client_ok(self, key: str, secret: str | None) -> bool:
        """The connected app's consumer key (and secret, when given)."""
        if not secrets.compare_digest(key, self.consumer_key):
            return False
        return secret is None or secrets.compare_digest(secret, self.consumer_secret)


@dataclass(frozen=True)
class Session:
    """An issued session: whose it is and when it was made."""

    token: str
    user_id: str
    issued_at: float


class Sessions:
    """Issued session ids; tests expire them to make the client re-login."""

    def __init__(self, org_id: str, ttl_s: float | None = None) -> None:
        self.org_id = org_id
        self.ttl_s = ttl_s
        self._live: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, user_id: str) -> Session:
        """A new session id in Salesforce's shape (org id, '!', opaque part)."""
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(72)}"
        session = Session(token, user_id, time.monotonic())
        with self._lock:
            self._live[token] = session
            self.issued += 1
        return session

    def check(self, token: str) -> Session | None:
        """The live session for this token, or None (unknown, expired on demand, or past its ttl)."""
        with self._lock:
            session = self._live.get(token)
            if session is not None and self.ttl_s is not None and time.monotonic() - session.issued_at > self.ttl_s:
                del self._live[token]
                return None
            return session

    def expire_all(self) -> int:
        """End every session (the next API call gets 401 INVALID_SESSION_ID); returns how many ended."""
        with self._lock:
            count = len(self._live)
            self._live.clear()
        return count

    def any_token(self) -> str | None:
        """Some live session id (outbound messages can carry one)."""
        with self._lock:
            return next(iter(self._live), None)
