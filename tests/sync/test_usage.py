"""The store's API-usage ledger (rolling 24 h) and its encrypted token cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sync.store import Store
from sync.store.schema import token_cache
from sync.store.usage import TOKEN_KEY_ENV, StoreTokenCache, StoreUsageLedger

T = datetime(2026, 11, 1, 12, 0, 30, tzinfo=UTC)


def test_calls_are_counted_over_a_rolling_day(store: Store) -> None:
    ledger = StoreUsageLedger(store.engine)
    ledger.record_calls("zoho", 5, T - timedelta(hours=30))
    ledger.record_calls("zoho", 3, T - timedelta(hours=2))
    ledger.record_calls("zoho", 4, T - timedelta(hours=2))
    ledger.record_calls("other", 100, T)
    assert ledger.calls_since("zoho", T - timedelta(hours=24)) == 7


def test_tokens_are_stored_encrypted_and_expire(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_KEY_ENV, "a passphrase from the environment")
    cache = StoreTokenCache(store.engine)
    cache.save_token("zoho:access", "1000.secret-access-token", T + timedelta(hours=1))
    with store.read() as conn:
        sealed = conn.execute(sa.select(token_cache.c.token)).scalar_one()
    assert "secret-access-token" not in sealed
    assert cache.load_token("zoho:access", T) == "1000.secret-access-token"
    assert cache.load_token("zoho:access", T + timedelta(hours=2)) is None
    monkeypatch.setenv(TOKEN_KEY_ENV, "another key")
    assert StoreTokenCache(store.engine).load_token("zoho:access", T) is None


def test_without_a_key_nothing_is_shared(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_KEY_ENV, raising=False)
    cache = StoreTokenCache(store.engine)
    cache.save_token("k", "t", T + timedelta(hours=1))
    assert cache.load_token("k", T) is None
