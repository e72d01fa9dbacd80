"""`[sources.NAME]` settings of a Salesforce org."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, SecretStr, Tag

from connectors.base import ObjectMapping, SourceSettings, WritebackMapping, _Strict

LOGIN_URL = "https://login.salesforce.com"


class PasswordAuth(_Strict):
    method: Literal["password"] = "password"
    login_url: str = LOGIN_URL
    username: str
    password: SecretStr
    security_token: SecretStr = SecretStr("")


class JwtAuth(_Strict):
    method: Literal["jwt"]
    login_url: str = LOGIN_URL
    consumer_key: str
    username: str
    private_key_file: str


class ClientCredentialsAuth(_Strict):
    method: Literal["client_credentials"]
    login_url: str = LOGIN_URL  # must be the org's My Domain for this flow
    consumer_key: str
    consumer_secret: SecretStr


class SessionAuth(_Strict):
    method: Literal["session"]
    session_id: SecretStr


def _auth_method(value: Any) -> str:
    # `method` may be left out: username + password is what most admins start with.
    if isinstance(value, dict):
        return str(value.get("method", "password"))
    return str(getattr(value, "method", "password"))


SalesforceAuth = Annotated[
    Annotated[PasswordAuth, Tag("password")]
    | Annotated[JwtAuth, Tag("jwt")]
    | Annotated[ClientCredentialsAuth, Tag("client_credentials")]
    | Annotated[SessionAuth, Tag("session")],
    Discriminator(_auth_method),
]


class SalesforceSource(SourceSettings):
    kind: Literal["salesforce"]
    instance_url: str = ""  # learned at login when empty
    api_version: str = Field(default="61.0", pattern=r"^\d{2,3}\.0$")
    organization_id: str | None = Field(default=None, pattern=r"^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$")
    auth: SalesforceAuth
    accounts: ObjectMapping = ObjectMapping(object="Account")
    writeback: WritebackMapping | None = WritebackMapping(object="Account")
