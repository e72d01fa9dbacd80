"""Fxiaoke's `errorCode`s and what each means for us (reference fxiaoke.md §1 "Envelope & errors").

Every answer is HTTP 200; only `errorCode == 0` is success, and the docs say never to branch on
`errorMessage`. The probed gateway disagrees with the published table in places; both are covered.
"""

from __future__ import annotations

from connectors.errors import (
    AuthExpired,
    AuthFailed,
    ConfigError,
    CrmCreditError,
    QuotaExhausted,
    RateLimited,
    TransientError,
)

OK = 0
TOKEN_INVALID = 20016  # expired or unknown token: refresh once and replay
BAD_CREDENTIALS = 10006  # token call: bad app credentials; business call: unknown path
RATE_LIMITED = frozenset({14001, 30004})  # per-interface window; per-second limit
DAILY_QUOTA = 30002  # the day's packs are spent (counted again from 00:00 China time)
NO_QUOTA_BOUGHT = 30003
APP_REFUSED = frozenset({20021, 20022})  # app disabled / not authorised
USER_UNKNOWN = frozenset({10010, 20012, 30027})  # the acting employee is missing or unknown
AUTH_MISSING = 20017
TRANSIENT = frozenset({-1, 50009})  # 系统繁忙 / 服务异常
OFFSET_OUT_OF_RANGE = 10013


class FxiaokeCallError(CrmCreditError):
    """A business error Fxiaoke gave for one call (parameters, validation, a missing record)."""

    def __init__(self, path: str, code: int, message: str) -> None:
        super().__init__(f"Fxiaoke {path}: errorCode {code}: {message}")
        self.path = path
        self.code = code
        self.crm_message = message


def error_for(path: str, code: int, message: str, token_call: bool = False) -> CrmCreditError:
    """The exception an errorCode stands for; `message` is Fxiaoke's errorMessage (never a secret)."""
    said = f"Fxiaoke {path}: errorCode {code} ({message})"
    if code == BAD_CREDENTIALS and token_call:
        return AuthFailed(f"{said}: check app_id, app_secret and permanent_code")
    if code == BAD_CREDENTIALS:
        return ConfigError(f"{said}: not an OpenAPI path; check api_base")
    if code == TOKEN_INVALID:
        return AuthExpired(said)
    if code in RATE_LIMITED:
        return RateLimited(said)
    if code == DAILY_QUOTA:
        return QuotaExhausted(f"{said}: the tenant's daily call budget (its packs) is used up until 00:00 China time")
    if code == NO_QUOTA_BOUGHT:
        return ConfigError(f"{said}: the tenant has bought no Open API call pack")
    if code in APP_REFUSED:
        return AuthFailed(f"{said}: the self-built app is disabled or not authorised")
    if code in USER_UNKNOWN:
        return ConfigError(f"{said}: check auth.user_id (a CRM employee id or an openUserId FSUID_…)")
    if code == AUTH_MISSING:
        return ConfigError(f"{said}: the call carried no credentials")
    if code in TRANSIENT:
        return TransientError(said)
    return FxiaokeCallError(path, code, message)
