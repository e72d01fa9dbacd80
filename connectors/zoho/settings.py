"""`[sources.NAME]` settings of a Zoho CRM org (one data centre)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from connectors.base import ObjectMapping, SourceSettings, WritebackMapping, _Strict


class ZohoAuth(_Strict):
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr


class ZohoSource(SourceSettings):
    kind: Literal["zoho"]
    api_domain: str = "https://www.zohoapis.com"
    accounts_url: str = "https://accounts.zoho.com"
    channel_token: SecretStr | None = None  # echoed by Zoho on every notification
    auth: ZohoAuth
    accounts: ObjectMapping = ObjectMapping(object="Accounts")
    writeback: WritebackMapping | None = WritebackMapping(object="Accounts")
