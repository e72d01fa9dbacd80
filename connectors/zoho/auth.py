"""Refresh-token OAuth against one Zoho data centre, with the access token cached until expiry.

Zoho allows ten access tokens per refresh token per ten minutes and fifteen live ones [zoho.md §1],
so a token is minted only when none is cached (here or, through `TokenCache`, in another process)
or when the API called it invalid. The token endpoint answers errors with HTTP 200 and an `error`
key, so success is `access_token` being present, never the status code. Its `api_domain` is where
this org's API lives and is honoured over the configured one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from connectors.base import TokenCache
from connectors.errors import AuthFailed, RateLimited, TransientError
from connectors.zoho.errors import transport_error
from connectors.zoho.settings import ZohoSource

EARLY = timedelta(seconds=60)  # refresh a minute before Zoho's expiry, never with a dying token
_THROTTLED = "Access Denied"  # the refresh throttle's `error` [Docs: OAuth token limits]


@dataclass(frozen=True)
class AccessToken:
    """One access token and the API domain it belongs to."""

    value: str
    api_domain: str
    expires_at: datetime


def _expires_in(body: dict[str, object]) -> float:
    # Older Zoho answers carry `expires_in_sec` and give `expires_in` in milliseconds [zoho.md §1].
    if "expires_in_sec" in body:
        return float(body["expires_in_sec"])  # type: ignore[arg-type]
    return float(body.get("expires_in", 3600))  # type: ignore[arg-type]


class TokenManager:
    """Hands out a valid access token for one org; refreshes only on expiry or when told it is invalid."""

    def __init__(
        self,
        settings: ZohoSource,
        session: requests.Session,
        clock: Callable[[], datetime],
        cache: TokenCache | None = None,
    ) -> None:
        self.settings = settings
        self.session = session
        self.clock = clock
        self.cache = cache
        self.refreshes = 0
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        digest = hashlib.sha256(settings.auth.refresh_token.get_secret_value().encode()).hexdigest()[:16]
        self.cache_key = f"zoho:{settings.auth.client_id}:{digest}"

    def token(self) -> AccessToken:
        """A token valid for at least another minute."""
        with self._lock:
            if self._token is None or self._token.expires_at - EARLY <= self.clock():
                self._token = self._shared() or self._refresh()
            return self._token

    def invalidate(self, rejected: AccessToken) -> AccessToken:
        """The API said `rejected` is invalid (revoked, expired early): get another one, once."""
        with self._lock:
            if self._token is not None and self._token.value != rejected.value:
                return self._token  # another thread already replaced it
            shared = self._shared()
            self._token = shared if shared is not None and shared.value != rejected.value else self._refresh()
            return self._token

    def _shared(self) -> AccessToken | None:
        if self.cache is None:
            return None
        raw = self.cache.load_token(self.cache_key, self.clock() + EARLY)
        if raw is None:
            return None
        try:
            saved = json.loads(raw)
            return AccessToken(saved["token"], saved["api_domain"], datetime.fromisoformat(saved["expires_at"]))
        except (ValueError, KeyError, TypeError):
            return None

    def _refresh(self) -> AccessToken:
        body = self._post_refresh()
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise self._token_error(body)
        domain = str(body.get("api_domain") or self.settings.api_domain).rstrip("/")
        if not domain.startswith("https://"):
            raise AuthFailed("Zoho's token answer named an api_domain that is not https")
        token = AccessToken(value, domain, self.clock() + timedelta(seconds=_expires_in(body)))
        self.refreshes += 1
        if self.cache is not None:
            payload = {"token": value, "api_domain": domain, "expires_at": token.expires_at.isoformat()}
            self.cache.save_token(self.cache_key, json.dumps(payload), token.expires_at)
        return token

    def _post_refresh(self) -> dict[str, object]:
        auth = self.settings.auth
        form = {
            "grant_type": "refresh_token",
            "client_id": auth.client_id,
            "client_secret": auth.client_secret.get_secret_value(),
            "refresh_token": auth.refresh_token.get_secret_value(),
        }
        url = f"{self.settings.accounts_url.rstrip('/')}/oauth/v2/token"
        try:
            response = self.session.post(url, data=form)  # a form body keeps secrets out of URLs and logs
        except requests.RequestException as exc:
            raise transport_error(exc, "token refresh") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"Zoho token refresh: the accounts server answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise TransientError(f"Zoho token refresh: not JSON (HTTP {response.status_code})") from None
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _token_error(body: dict[str, object]) -> Exception:
        error = str(body.get("error") or "no access_token in the answer")
        if error == _THROTTLED:
            # Ten refreshes per ten minutes per refresh token: waiting is the only cure.
            return RateLimited("Zoho token refresh throttled (10 per 10 minutes); try again later", 600.0)
        hint = " (refresh token revoked or from another data centre?)" if error == "invalid_code" else ""
        return AuthFailed(f"Zoho refused the refresh token: {error}{hint}")
