"""Builders for the Fxiaoke connector tests: settings, an in-memory ledger and token cache, a sandbox
on a hand-moved clock (the connector's sleep moves it, so pacing and backoff never wait)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import ConnectorContext
from connectors.fxiaoke.connector import FxiaokeConnector
from connectors.fxiaoke.settings import FxiaokeSource
from sandbox.fxiaoke import FxiaokeSandbox, ManualClock

ROOMY = (10_000, 20.0)
BASE = "https://fx.test"
APP_SECRET = "s3cr3t-app-secret-value"
PERMANENT_CODE = "PERMANENT-CODE-VALUE-9"
WRITEBACK_LABELS = {
    "credit_limit": ("信用额度", "currency", ()),
    "score": ("信用评分", "number", ()),
    "grade": ("信用等级", "select_one", ("A", "B", "C", "D", "E")),
    "reasons": ("信用原因", "long_text", ()),
    "next_review_on": ("下次复核日期", "date", ()),
}


class MemoryLedger:
    """`UsageLedger` in memory."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, datetime]] = []

    def record_calls(self, source: str, n: int, at: datetime) -> None:
        self.calls.append((source, n, at))

    def calls_since(self, source: str, since: datetime) -> int:
        return sum(n for s, n, at in self.calls if s == source and at >= since)


class MemoryTokens:
    """`TokenCache` in memory, shared by connectors as the store shares it between workers."""

    def __init__(self) -> None:
        self.saved: dict[str, tuple[str, datetime]] = {}

    def load_token(self, key: str, now: datetime) -> str | None:
        token, expires = self.saved.get(key, ("", now))
        return token if token and expires > now else None

    def save_token(self, key: str, token: str, expires_at: datetime) -> None:
        self.saved[key] = (token, expires_at)


def source_settings(base: str = BASE, **overrides: Any) -> FxiaokeSource:
    """A Fxiaoke source with a plain account mapping; keyword overrides replace top-level keys."""
    table: dict[str, Any] = {
        "kind": "fxiaoke",
        "api_base": base,
        "api_daily_limit": 100_000,
        "auth": {"app_id": "FSAID_test", "app_secret": APP_SECRET, "permanent_code": PERMANENT_CODE, "user_id": "1000"},
        "accounts": {"object": "AccountObj", "fields": {"name": "name", "currency": "mc_currency"}},
    }
    table.update(overrides)
    return FxiaokeSource.model_validate(table)


def sandbox_settings(fx: FxiaokeSandbox, **overrides: Any) -> FxiaokeSource:
    """Settings that reach this sandbox, with the credentials of its self-built app."""
    auth = {
        "app_id": fx.app_id,
        "app_secret": fx.app_secret,
        "permanent_code": fx.permanent_code,
        "user_id": fx.user_id,
    }
    return source_settings(fx.url, **{"ca_bundle": str(fx.ca_pem), "auth": auth, **overrides})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fx(clock: ManualClock) -> Iterator[FxiaokeSandbox]:
    with FxiaokeSandbox(accounts=12, seed=7, rate_limit=ROOMY, token_limit=ROOMY, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def writeback_fields(fx: FxiaokeSandbox) -> dict[str, str]:
    """The admin's credit fields on AccountObj: decision key -> generated api name."""
    return {
        key: fx.create_custom_field("AccountObj", label, type_, options)
        for key, (label, type_, options) in WRITEBACK_LABELS.items()
    }


def context_on(clock: ManualClock, **extra: Any) -> ConnectorContext:
    """A context whose clock is the sandbox's and whose sleep moves it (waiting takes no time)."""
    return ConnectorContext(
        "fx", clock=lambda: datetime.fromtimestamp(clock(), UTC), sleep=lambda s: clock.advance(max(s, 0)), **extra
    )


ConnectorFactory = Callable[..., FxiaokeConnector]


@pytest.fixture
def connect(fx: FxiaokeSandbox, clock: ManualClock) -> Iterator[ConnectorFactory]:
    """Make connectors on the sandbox (settings overrides as keywords); closed after the test."""
    made: list[FxiaokeConnector] = []

    def make(context: ConnectorContext | None = None, **overrides: Any) -> FxiaokeConnector:
        connector = FxiaokeConnector("fx", sandbox_settings(fx, **overrides), context or context_on(clock))
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
