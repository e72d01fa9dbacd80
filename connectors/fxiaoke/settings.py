"""`[sources.NAME]` settings of a Fxiaoke (纷享销客) tenant."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from connectors.base import ObjectMapping, SourceSettings, WritebackMapping, _Strict


class FxiaokeAuth(_Strict):
    """The self-built app's credentials and the employee the calls act as."""

    app_id: str
    app_secret: SecretStr
    permanent_code: SecretStr
    user_id: str  # the employee whose data permissions the calls use: CRM id (1000) or openUserId (FSUID_…)
    # Both token flows are live (reference fxiaoke.md §1): oauth2 = /oauth2.0/token + headers,
    # legacy = /cgi/corpAccessToken/get/V2 + corpAccessToken/corpId in every body.
    flow: Literal["oauth2", "legacy"] = "oauth2"


class FxiaokeSource(SourceSettings):
    """One Fxiaoke tenant as a source."""

    kind: Literal["fxiaoke"]
    api_base: str = Field(default="https://open.fxiaoke.com", pattern=r"^https?://[^\s/]+(:\d+)?/?$")
    auth: FxiaokeAuth
    accounts: ObjectMapping = ObjectMapping(object="AccountObj")
    writeback: WritebackMapping | None = WritebackMapping(object="AccountObj")
    # The documented per-interface limit is 100 calls / 20 s; the client paces itself below it.
    rate_limit: int = Field(default=100, ge=1)
    rate_window_s: float = Field(default=20.0, gt=0)
    # Our write-back must never start an approval flow; tenant workflows may react to it if wanted.
    trigger_workflow: bool = False
    # A record deleted from the recycle bin leaves no trace in the API: list every id this often
    # (the first run after each boundary, China time) to find them; 0 = on every run.
    reconcile_interval_s: int = Field(default=86_400, ge=0)

    @model_validator(mode="after")
    def _daily_limit_known(self) -> FxiaokeSource:
        # Fxiaoke reports no usage: the budget is counted against the tenant's purchased packs.
        if self.api_daily_limit <= 0:
            raise ValueError("api_daily_limit is required for Fxiaoke: the tenant's daily calls (100000 per pack)")
        return self
