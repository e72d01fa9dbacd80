"""The corp access token: fetched once, shared with other workers, refreshed on errorCode 20016.

Token rules (reference fxiaoke.md §1 "Token lifetime"): a token lives 7,200 s; asking again within
6,600 s returns the same one, and the token call takes at most 10 calls a minute and must not run
concurrently. So the token is cached for its first 6,600 s in the store's encrypted token cache
(`ConnectorContext.tokens`), and fetching is single-flight within a process.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.base import TokenCache
from connectors.errors import TransientError
from connectors.fxiaoke.settings import FxiaokeAuth

NEW_TOKEN_PATH = "/oauth2.0/token"  # noqa: S105  a path, not a secret
LEGACY_TOKEN_PATH = "/cgi/corpAccessToken/get/V2"  # noqa: S105
LIFETIME_S = 7200
REISSUE_AFTER_S = 600  # the last 600 s of a token's life: asking again yields a new one


@dataclass(frozen=True)
class Credential:
    """What authenticates business calls: the token and the tenant id its flow needs beside it."""

    token: str
    tenant: str  # oauth2: the `ea` for header x-fs-ea; legacy: the `corpId` for the body

    def to_text(self) -> str:
        """The cached form."""
        return json.dumps({"token": self.token, "tenant": self.tenant})

    @classmethod
    def from_text(cls, text: str) -> Credential | None:
        """A cached credential, or None when the cache holds something else."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in ("token", "tenant")):
            return None
        return cls(data["token"], data["tenant"])


def token_request(auth: FxiaokeAuth) -> tuple[str, dict[str, str]]:
    """The token call's path and JSON body (the body holds secrets: never log or echo it)."""
    body = {
        "appId": auth.app_id,
        "appSecret": auth.app_secret.get_secret_value(),
        "permanentCode": auth.permanent_code.get_secret_value(),
    }
    if auth.flow == "legacy":
        return LEGACY_TOKEN_PATH, body
    return NEW_TOKEN_PATH, {**body, "grantType": "app_secret"}


def parse_token_answer(answer: Mapping[str, Any], legacy: bool) -> tuple[Credential, int]:
    """The credential and its remaining lifetime in seconds, from a successful token answer."""
    token = answer.get("corpAccessToken" if legacy else "accessToken")
    tenant = answer.get("corpId" if legacy else "ea")
    if not isinstance(token, str) or not token or not isinstance(tenant, str) or not tenant:
        raise TransientError("Fxiaoke token answer lacks the token or the tenant id")
    expires_in = answer.get("expiresIn")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
        expires_in = LIFETIME_S
    return Credential(token, tenant), expires_in


class TokenManager:
    """Hands out a valid credential; `fetch` performs the (paced, retried) token call."""

    def __init__(
        self,
        auth: FxiaokeAuth,
        api_base: str,
        fetch: Callable[[], tuple[Credential, int]],
        cache: TokenCache | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.fetch = fetch
        self.cache = cache
        self.clock = clock
        digest = hashlib.sha256(f"{api_base}|{auth.app_id}|{auth.flow}".encode()).hexdigest()[:24]
        self.cache_key = f"fxiaoke:{digest}"
        self._current: Credential | None = None
        self._expires_at: datetime | None = None
        self._refused: set[str] = set()  # tokens Fxiaoke answered 20016 to
        self._lock = threading.Lock()
        self.fetched = 0  # token calls made by this process

    def current(self) -> Credential:
        """A credential believed valid: ours, another worker's, or a fresh one."""
        with self._lock:
            if self._current is not None and self._expires_at is not None and self.clock() < self._expires_at:
                return self._current
            return self._obtain()

    def refresh(self, refused: Credential) -> Credential:
        """A credential other than the one Fxiaoke just refused (20016)."""
        with self._lock:
            self._refused.add(refused.token)
            if self._current is not None and self._current.token != refused.token:
                return self._current  # another thread already refreshed
            self._current = None
            return self._obtain()

    def _obtain(self) -> Credential:
        shared = self._load_shared()
        if shared is not None:
            return shared
        credential, expires_in = self.fetch()
        self.fetched += 1
        now = self.clock()
        self._current = credential
        self._expires_at = now + timedelta(seconds=max(expires_in - REISSUE_AFTER_S, expires_in // 2))
        if self.cache is not None:
            self.cache.save_token(self.cache_key, credential.to_text(), self._expires_at)
        return credential

    def _load_shared(self) -> Credential | None:
        if self.cache is None:
            return None
        text = self.cache.load_token(self.cache_key, self.clock())
        credential = Credential.from_text(text) if text else None
        if credential is None or credential.token in self._refused:
            return None
        self._current = credential
        # The shared entry's own expiry is unknown here; re-check the cache in a minute.
        self._expires_at = self.clock() + timedelta(seconds=60)
        return credential
