"""`[sources.NAME]` settings of a Fxiaoke (纷享销客) tenant."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from connectors.base import ObjectMapping, SourceSettings, WritebackMapping, _Strict


class FxiaokeAuth(_Strict):
    app_id: str
    app_secret: SecretStr
    permanent_code: SecretStr
    user_id: str  # the employee whose data permissions the calls use


class FxiaokeSource(SourceSettings):
    kind: Literal["fxiaoke"]
    api_base: str = "https://open.fxiaoke.com"
    auth: FxiaokeAuth
    accounts: ObjectMapping = ObjectMapping(object="AccountObj")
    writeback: WritebackMapping | None = WritebackMapping(object="AccountObj")
