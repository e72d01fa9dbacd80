"""Builders for Zoho connector tests: settings, a movable clock, in-memory ledger/token cache/channel store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import ConnectorContext, PushChannel
from connectors.zoho.connector import ZohoConnector
from connectors.zoho.settings import ZohoSource

ACCOUNTS_URL = "https://accounts.zoho.test"
API = "https://www.zohoapis.test"
T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECRET = "client-secret-value-42"
REFRESH = "1000.refresh-token-value.abcdef"

INVOICE_FIELDS = {
    "account_crm_id": "Account_Name",
    "number": "Invoice_Number",
    "issued_on": "Invoice_Date",
    "due_on": "Due_Date",
    "amount": "Grand_Total",
    "balance": "Balance_Due",
    "paid_on": "Paid_On",
    "currency": "Currency",
    "status": "Status",
}
INVOICE_STATUS = {"Created": "open", "Approved": "open", "Delivered": "open", "Paid": "paid",
                  "Cancelled": "void", "Credit Note": "credit_note"}  # fmt: skip
ORDER_STATUS = {"Created": "open", "Approved": "open", "Delivered": "invoiced", "Cancelled": "cancelled"}
WRITEBACK = {"credit_limit": "Credit_Limit", "score": "Credit_Score", "status": "Credit_Status"}


def source_table(api: str = API, accounts_url: str = ACCOUNTS_URL, **overrides: Any) -> dict[str, Any]:
    """A `[sources.zoho]` table mapping Accounts, Invoices, Sales_Orders and three write-back fields."""
    table: dict[str, Any] = {
        "kind": "zoho",
        "api_domain": api,
        "accounts_url": accounts_url,
        "api_daily_limit": 100_000,
        "api_budget_share": 0.5,
        "channel_token": "channel-token-7",
        "auth": {"client_id": "1000.CLIENT", "client_secret": SECRET, "refresh_token": REFRESH},
        "accounts": {
            "object": "Accounts",
            "fields": {
                "name": "Account_Name",
                "parent_crm_id": "Parent_Account",
                "owner_crm_id": "Owner",
                "industry": "Industry",
                "annual_revenue": "Annual_Revenue",
                "currency": "Currency",
            },
        },
        "invoices": {
            "object": "Invoices",
            "fields": dict(INVOICE_FIELDS),
            "transforms": {"status": {"map": dict(INVOICE_STATUS)}},
        },
        "orders": {
            "object": "Sales_Orders",
            "fields": {
                "account_crm_id": "Account_Name",
                "amount": "Grand_Total",
                "uninvoiced_amount": "Uninvoiced_Amount",
                "currency": "Currency",
                "status": "Status",
            },
            "transforms": {"status": {"map": dict(ORDER_STATUS)}},
        },
        "writeback": {"object": "Accounts", "fields": dict(WRITEBACK)},
    }
    table.update(overrides)
    return table


def settings(**overrides: Any) -> ZohoSource:
    """Validated Zoho settings."""
    return ZohoSource.model_validate(source_table(**overrides))


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Ledger:
    """`UsageLedger` in memory."""

    entries: list[tuple[str, int, datetime]] = field(default_factory=list)

    def record_calls(self, source: str, n: int, at: datetime) -> None:
        self.entries.append((source, n, at))

    def calls_since(self, source: str, since: datetime) -> int:
        return sum(n for s, n, at in self.entries if s == source and at >= since)


@dataclass
class Tokens:
    """`TokenCache` in memory (what another process would share through the store)."""

    saved: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def load_token(self, key: str, now: datetime) -> str | None:
        found = self.saved.get(key)
        return found[0] if found and found[1] > now else None

    def save_token(self, key: str, token: str, expires_at: datetime) -> None:
        self.saved[key] = (token, expires_at)


@dataclass
class ChannelBook:
    """`ChannelStore` in memory."""

    channels: dict[str, PushChannel] = field(default_factory=dict)

    def load_channels(self, source: str) -> list[PushChannel]:
        return list(self.channels.values())

    def save_channel(self, source: str, channel: PushChannel) -> None:
        self.channels[channel.channel_id] = channel


@dataclass
class Kit:
    """A connector with the test doubles it was built with."""

    connector: ZohoConnector
    clock: Any  # a Clock, or the real clock for sandbox tests
    ledger: Ledger
    tokens: Tokens
    channels: ChannelBook
    waits: list[float]


def kit(
    source_settings: ZohoSource | None = None, clock: Callable[[], datetime] | None = None, **overrides: Any
) -> Kit:
    """A ZohoConnector over in-memory doubles; retries never sleep (waits are recorded)."""
    clock = clock or Clock()
    ledger, tokens, channels, waits = Ledger(), Tokens(), ChannelBook(), []
    context = ConnectorContext("zoho", usage=ledger, tokens=tokens, clock=clock, sleep=waits.append,
                               channels=channels)  # fmt: skip
    connector = ZohoConnector("zoho", source_settings or settings(**overrides), context)
    return Kit(connector, clock, ledger, tokens, channels, waits)


def real_now() -> datetime:
    """The wall clock (the sandbox stamps records with it)."""
    return datetime.now(UTC)


def sandbox_settings(box: Any, **overrides: Any) -> ZohoSource:
    """Settings pointing at a running ZohoSandbox (accounts host and API host are one origin)."""
    auth = {"client_id": box.client_id, "client_secret": box.client_secret, "refresh_token": box.refresh_token}
    return settings(api=box.url, accounts_url=box.url, ca_bundle=str(box.ca_pem), auth=auth, **overrides)


def sandbox_kit(box: Any, **overrides: Any) -> Kit:
    """A connector on a sandbox, on the wall clock."""
    return kit(sandbox_settings(box, **overrides), clock=real_now)
