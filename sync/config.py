"""The whole `crm-credit.toml` (DESIGN §3): pydantic models, `${ENV}` interpolation, relative paths.

Per-CRM source models live in `connectors/<crm>/settings.py`; this module composes them as a union
discriminated on `kind`. Every error names the file, the key and (unless it is a secret) the value,
on one line, and is raised before anything talks to a CRM.
"""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from connectors.errors import ConfigError
from connectors.fxiaoke.settings import FxiaokeSource
from connectors.salesforce.settings import SalesforceSource
from connectors.zoho.settings import ZohoSource

SourceConfig = Annotated[SalesforceSource | ZohoSource | FxiaokeSource, Field(discriminator="kind")]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Values under keys like these are never echoed in an error message.
_SECRET_KEY = re.compile(r"(password|secret|token|key|session|smtp)", re.IGNORECASE)  # smtp: user:pass@


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Section):
    url: str = "sqlite:///crm-credit.db"


class QueueConfig(_Section):
    url: str = "sqlite:///crm-credit-queue.db"
    # Every queue key (jobs, schedule, pending markers) is named after this: installations or test runs
    # sharing one Redis database stay apart by each having a name of its own.
    name: str = Field(default="crm-credit", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    sync_interval_s: int = Field(default=900, ge=1)


class PolicyConfig(_Section):
    file: str = ""  # empty: the built-in default policy

    def path(self) -> Path | None:
        """The policy file, or None for the built-in policy."""
        return Path(self.file) if self.file else None


class WebhooksConfig(_Section):
    public_url: str = ""
    secret: SecretStr = SecretStr("")
    max_body_kb: int = Field(default=512, ge=1)


class FxConfig(_Section):
    rates: dict[str, Decimal] = Field(default_factory=dict)

    @field_validator("rates", mode="before")
    @classmethod
    def _rates_as_decimal(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {code: _decimal_rate(code, rate) for code, rate in value.items()}

    @field_validator("rates")
    @classmethod
    def _currency_codes(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in value.items():
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ValueError(f"{code!r} is not an ISO currency code")
            if rate <= 0:
                raise ValueError(f"rate of {code} must be positive")
        return value


def _decimal_rate(code: str, rate: Any) -> Any:
    # TOML floats arrive as binary floats; their repr is the number the admin typed.
    if isinstance(rate, float):
        return Decimal(repr(rate))
    if isinstance(rate, str):
        try:
            return Decimal(rate)
        except InvalidOperation:
            raise ValueError(f"rate of {code} is not a number: {rate!r}") from None
    return rate


class AlertsConfig(_Section):
    smtp_url: SecretStr = SecretStr("")  # smtp://[user:password@]host[:port] or smtps://...; may hold a password
    to: list[str] = Field(default_factory=list)
    sender: str = "crm-credit@localhost"  # the digest's From address
    digest: Literal["daily", "weekly", "off"] = "daily"  # what the worker's schedule sends
    tasks: bool = True  # a CRM task for the record owner when an account's status worsens or a flag appears

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url and not url.startswith(("smtp://", "smtps://")):
            raise ValueError("must start with smtp:// or smtps://")
        return value


class ApproverRole(_Section):
    users: list[str] = Field(default_factory=list)
    ceiling: Decimal = Field(ge=0)


class AuditConfig(_Section):
    # Books and records are kept for years (e.g. 6 in the UK, 7 for the US IRS, 10 under the German HGB):
    # `purge` never drops audit rows younger than this, whatever --before says.
    retention_years: int = Field(default=7, ge=1, le=100)


class AppConfig(_Section):
    """The validated `crm-credit.toml`."""

    store: StoreConfig = StoreConfig()
    queue: QueueConfig = QueueConfig()
    policy: PolicyConfig = PolicyConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    users: dict[str, SecretStr] = Field(default_factory=dict)
    fx: FxConfig = FxConfig()
    alerts: AlertsConfig = AlertsConfig()
    approvers: dict[str, ApproverRole] = Field(default_factory=dict)
    audit: AuditConfig = AuditConfig()
    sources: dict[str, SourceConfig] = Field(min_length=1)

    def source(self, name: str) -> SourceConfig:
        """One source's settings; an unknown name is a config error listing the known ones."""
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources))
            raise ConfigError(f"unknown source {name!r} (configured: {known})") from None

    def user(self, email: str) -> str:
        """A `[users]` entry acting in person (`--as`, the admin login): approvals and reviews need one."""
        if email not in self.users:
            known = ", ".join(sorted(self.users)) or "none configured"
            raise ConfigError(f"{email!r} is not a [users] entry (users: {known})")
        return email


def load_config(path: Path | str, environ: dict[str, str] | None = None) -> AppConfig:
    """Read, interpolate, validate and path-resolve a config file; raise ConfigError on any problem."""
    file = Path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    env = os.environ if environ is None else environ
    data = _interpolate(raw, env, file, ())
    data = _resolve_paths(data, file.resolve().parent)
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(file, exc, data)) from None


def _interpolate(value: Any, env: Any, file: Path, key: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, env, file, (*key, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, file, (*key, str(i))) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise ConfigError(f"{file}: {'.'.join(key)}: environment variable {name} is not set")
            return str(env[name])

        return _ENV_REF.sub(substitute, value)
    return value


def _resolve_paths(data: Any, folder: Path) -> Any:
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for section in ("store", "queue"):
        table = data.get(section)
        if isinstance(table, dict) and isinstance(table.get("url"), str):
            data[section] = {**table, "url": resolve_sqlite_url(table["url"], folder)}
    policy = data.get("policy")
    if isinstance(policy, dict) and isinstance(policy.get("file"), str) and policy["file"]:
        data["policy"] = {**policy, "file": str(folder / policy["file"])}
    sources = data.get("sources")
    if isinstance(sources, dict):
        data["sources"] = {name: _resolve_source(table, folder) for name, table in sources.items()}
    return data


def _resolve_source(table: Any, folder: Path) -> Any:
    if not isinstance(table, dict):
        return table
    table = dict(table)
    if isinstance(table.get("ca_bundle"), str) and table["ca_bundle"]:
        table["ca_bundle"] = str(folder / table["ca_bundle"])
    auth = table.get("auth")
    if isinstance(auth, dict) and isinstance(auth.get("private_key_file"), str):
        table["auth"] = {**auth, "private_key_file": str(folder / auth["private_key_file"])}
    return table


def resolve_sqlite_url(url: str, folder: Path) -> str:
    """Make `sqlite:///relative.db` relative to `folder`; other URLs pass unchanged."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    rest = url[len(prefix) :]
    if not rest or rest.startswith("/") or rest.startswith(":memory:"):
        return url
    return prefix + str(folder / rest)


def _describe(file: Path, exc: ValidationError, data: Any) -> str:
    first = exc.errors()[0]
    loc = _key_path(first["loc"], data, keep_last=first["type"] in ("missing", "extra_forbidden"))
    key = ".".join(loc) or "(top level)"
    if first["type"] == "missing":
        return f"{file}: {key}: required key is missing"
    if first["type"] == "extra_forbidden":
        return f"{file}: {key}: unknown key"
    value = first.get("input")
    secret = any(_SECRET_KEY.search(part) for part in loc)
    # Whole tables are not echoed: they may hold secrets, and they are not one line.
    shown = "" if secret or isinstance(value, dict | list) else f" (value {str(value)[:80]!r})"
    return f"{file}: {key}: {first['msg']}{shown}"


def _key_path(loc: tuple[int | str, ...], data: Any, keep_last: bool) -> list[str]:
    """The TOML keys of an error location, without the union tags pydantic inserts ("salesforce")."""
    keys: list[str] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
            keys.append(str(part))
        elif (keep_last and i == len(loc) - 1) or not isinstance(node, dict | list):
            keys.append(str(part))  # a missing or unknown key: name it
    return keys
