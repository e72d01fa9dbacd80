"""The token calls and per-call authentication, both new (header) and legacy (body) conventions.

Token rules (reference fxiaoke.md §1 "Token lifetime"): a token lives 7,200 s; asking again within
6,600 s of issue returns the same token, later a new one while the old stays valid until 7,200 s.
New style: `POST /oauth2.0/token` → `accessToken`, `ea`, …; then headers `authorization: Bearer`,
`x-fs-ea`, `x-fs-userid`. Legacy: `POST /cgi/corpAccessToken/get/V2` → `corpAccessToken`, `corpId`;
then body fields `corpAccessToken`, `corpId`, `currentOpenUserId` next to `data`.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.fxiaoke.envelope import (
    AUTH_MISSING,
    BAD_CREDENTIALS,
    EMPLOYEE_NOT_FOUND,
    OPEN_USER_NOT_FOUND,
    TOKEN_INVALID,
    FxError,
)
from sandbox.fxiaoke.limits import Clock
from sandbox.fxiaoke.people import People

TOKEN_LIFETIME_S = 7200
SAME_TOKEN_S = 6600
MISSING_USER = 10010  # 缺少参数openUserId


@dataclass(frozen=True)
class Credentials:
    """What the tenant admin copies out of the self-built app, and the tenant's two ids."""

    app_id: str
    app_secret: str
    permanent_code: str
    corp_id: str  # FSCID_…, legacy body field `corpId`
    ea: str  # enterprise account, header `x-fs-ea`

    @classmethod
    def for_seed(cls, seed: int) -> Credentials:
        """Stable sandbox credentials derived from the seed."""

        def part(name: str) -> str:
            """One hex digest per credential, so no two share characters by construction."""
            return hashlib.sha256(f"{seed}:tenant:{name}".encode()).hexdigest()

        return cls(
            app_id=f"FSAID_{part('app')[:8]}",
            app_secret=part("secret")[:32],
            permanent_code=part("code")[:32].upper(),
            corp_id=f"FSCID_{part('corp')[:24].upper()}",
            ea=f"fs{int(part('ea')[:6], 16) % 1_000_000:06d}",
        )


@dataclass(frozen=True)
class Caller:
    """Who a business call runs as, and which employee-id form it reads and writes."""

    employee_id: str
    open_ids: bool
    legacy: bool


class TokenStore:
    """Issued tokens and their issue times."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._issued: dict[str, float] = {}
        self._current: str | None = None
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, int]:
        """The token to hand out now and its remaining lifetime in seconds."""
        now = self.clock()
        with self._lock:
            current = self._current
            if current is not None and current in self._issued and now - self._issued[current] < SAME_TOKEN_S:
                return current, int(TOKEN_LIFETIME_S - (now - self._issued[current]))
            token = uuid.uuid4().hex.upper()
            self._issued[token] = now
            self._current = token
            return token, TOKEN_LIFETIME_S

    def valid(self, token: str) -> bool:
        """True while the token exists and is younger than 7,200 s."""
        with self._lock:
            issued = self._issued.get(token)
        return issued is not None and self.clock() - issued < TOKEN_LIFETIME_S

    def expire_all(self) -> None:
        """Invalidate every token at once (the next business call answers 20016)."""
        with self._lock:
            self._issued.clear()
            self._current = None


def check_credentials(body: Mapping[str, Any], creds: Credentials, new_style: bool) -> None:
    """Raise 10006 unless appId, appSecret and permanentCode (and grantType) are right."""
    # Probed: missing and wrong credentials alike answer 10006, whatever the code table says.
    wrong = (
        body.get("appId") != creds.app_id
        or body.get("appSecret") != creds.app_secret
        or body.get("permanentCode") != creds.permanent_code
        or (new_style and body.get("grantType") != "app_secret")
    )
    if wrong:
        raise FxError(BAD_CREDENTIALS, description="缺少参数或参数不合法")


def authenticate(
    headers: Mapping[str, str], body: Mapping[str, Any], tokens: TokenStore, creds: Credentials, people: People
) -> Caller:
    """Resolve the caller of a business call, or raise the probed auth error codes."""
    bearer = headers.get("authorization")
    if bearer is not None:
        token = bearer[7:] if bearer.startswith("Bearer ") else ""
        if not tokens.valid(token) or headers.get("x-fs-ea") != creds.ea:
            raise FxError(TOKEN_INVALID)
        return _caller(headers.get("x-fs-userid"), body.get("convertUserId") is True, False, people)
    if "corpAccessToken" in body:
        legacy_token = body.get("corpAccessToken")
        if not isinstance(legacy_token, str) or not tokens.valid(legacy_token) or body.get("corpId") != creds.corp_id:
            raise FxError(TOKEN_INVALID)
        return _caller(body.get("currentOpenUserId"), body.get("convertUserId") is not False, True, people)
    raise FxError(AUTH_MISSING)


def _caller(user: object, open_ids: bool, legacy: bool, people: People) -> Caller:
    if not isinstance(user, str) or not user:
        raise FxError(MISSING_USER, "缺少参数openUserId")
    employee = people.by_open_id(user) if open_ids else people.by_employee_id(user)
    if employee is None:
        raise FxError(OPEN_USER_NOT_FOUND if open_ids else EMPLOYEE_NOT_FOUND)
    return Caller(employee.employee_id, open_ids, legacy)
