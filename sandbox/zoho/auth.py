"""The accounts server (`POST /oauth/v2/token`, refresh grant) and the API's token check.

Zoho answers token errors with HTTP 200 and an `error` key (`invalid_client`, `invalid_code` —
also for a revoked refresh token), throttles a refresh token to 10 access tokens per 10 minutes
(`"error": "Access Denied"`), keeps at most 15 live access tokens per refresh token (the 16th
evicts the oldest) and lets an access token live one hour [zoho.md §1]. API calls need exactly
`Authorization: Zoho-oauthtoken <token>`: a stale, revoked or unknown token gets 401
`INVALID_TOKEN`; no header, or another scheme such as `Bearer`, 401 `AUTHENTICATION_FAILURE`.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.zoho.clock import Clock
from sandbox.zoho.errors import ZohoError

TOKEN_LIFETIME_S = 3600
THROTTLE_COUNT = 10
THROTTLE_WINDOW_S = 600
MAX_LIVE_TOKENS = 15
SCOPE = "ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.coql.READ ZohoCRM.notifications.ALL ZohoCRM.users.READ"
_PREFIX = "Zoho-oauthtoken "
THROTTLED = "You have made too many requests continuously. Please try again after some time."


@dataclass
class AccessToken:
    """One issued access token."""

    value: str
    user_id: int
    expires_at: int
    revoked: bool = False


@dataclass
class Grant:
    """A refresh token and what it has minted."""

    client_id: str
    user_id: int
    revoked: bool = False
    requests: deque[int] = field(default_factory=deque)  # epoch seconds of recent refreshes
    live: deque[AccessToken] = field(default_factory=deque)


class OAuthServer:
    """Issues and checks tokens for one self-client (client id/secret) and its refresh tokens."""

    def __init__(self, clock: Clock, client_id: str, client_secret: str, refresh_token: str, user_id: int) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.grants: dict[str, Grant] = {refresh_token: Grant(client_id, user_id)}
        self.tokens: dict[str, AccessToken] = {}
        self.refreshes = 0  # successful refresh grants, for tests
        self._lock = threading.Lock()

    def token(self, params: dict[str, str], api_domain: str) -> dict[str, Any]:
        """The token endpoint's JSON body (always sent with HTTP 200)."""
        if params.get("grant_type") != "refresh_token":
            return {"error": "unsupported_grant_type"}
        if params.get("client_id") != self.client_id:
            return {"error": "invalid_client"}
        if params.get("client_secret") != self.client_secret:
            return {"error": "invalid_client_secret"}
        with self._lock:
            grant = self.grants.get(params.get("refresh_token", ""))
            if grant is None or grant.revoked or grant.client_id != self.client_id:
                return {"error": "invalid_code"}
            if not self._admit(grant):
                return {"error_description": THROTTLED, "error": "Access Denied", "status": "failure"}
            issued = self._issue(grant)
        return {
            "access_token": issued.value,
            "scope": SCOPE,
            "api_domain": api_domain,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
        }

    def _admit(self, grant: Grant) -> bool:
        now = self.clock.epoch()
        while grant.requests and grant.requests[0] <= now - THROTTLE_WINDOW_S:
            grant.requests.popleft()
        if len(grant.requests) >= THROTTLE_COUNT:
            return False
        grant.requests.append(now)
        return True

    def _issue(self, grant: Grant) -> AccessToken:
        value = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        issued = AccessToken(value, grant.user_id, self.clock.epoch() + TOKEN_LIFETIME_S)
        grant.live.append(issued)
        if len(grant.live) > MAX_LIVE_TOKENS:
            grant.live.popleft().revoked = True
        self.tokens[value] = issued
        self.refreshes += 1
        return issued

    def authorize(self, header: str | None) -> int:
        """The user id behind an `Authorization` header, or the 401 Zoho sends."""
        if not header or not header.startswith(_PREFIX):
            raise ZohoError(401, "AUTHENTICATION_FAILURE")
        with self._lock:
            token = self.tokens.get(header[len(_PREFIX) :].strip())
            if token is None or token.revoked or token.expires_at <= self.clock.epoch():
                raise ZohoError(401, "INVALID_TOKEN")
            return token.user_id

    def expire_all(self) -> None:
        """Every live access token reaches its expiry now."""
        with self._lock:
            now = self.clock.epoch()
            for token in self.tokens.values():
                token.expires_at = min(token.expires_at, now)

    def revoke(self, refresh: bool = False) -> None:
        """Revoke every access token before expiry; with `refresh`, the refresh tokens too."""
        with self._lock:
            for token in self.tokens.values():
                token.revoked = True
            if refresh:
                for grant in self.grants.values():
                    grant.revoked = True
