"""What the store lends connectors: a rolling 24 h API-call ledger and an encrypted token cache."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import Engine

from sync.store.codec import from_stamp, to_stamp
from sync.store.database import write_transaction
from sync.store.schema import api_usage, token_cache

TOKEN_KEY_ENV = "CRM_CREDIT_TOKEN_KEY"  # noqa: S105  the variable's name, not its value
_KEEP = timedelta(hours=48)  # older buckets are pruned; the rolling window is 24 h


class StoreUsageLedger:
    """`connectors.base.UsageLedger` on the store: calls counted per source and minute."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record_calls(self, source: str, n: int, at: datetime) -> None:
        """Add `n` calls made at `at`."""
        minute = to_stamp(at.replace(second=0, microsecond=0))
        key = (api_usage.c.source == source, api_usage.c.minute == minute)
        with write_transaction(self.engine) as conn:
            updated = conn.execute(sa.update(api_usage).where(*key).values(calls=api_usage.c.calls + n)).rowcount
            if not updated:
                conn.execute(sa.insert(api_usage).values(source=source, minute=minute, calls=n))
            stale = to_stamp(at - _KEEP)
            conn.execute(sa.delete(api_usage).where(api_usage.c.source == source, api_usage.c.minute < stale))

    def calls_since(self, source: str, since: datetime) -> int:
        """Calls recorded for `source` from `since` on."""
        query = sa.select(sa.func.coalesce(sa.func.sum(api_usage.c.calls), 0)).where(
            api_usage.c.source == source, api_usage.c.minute >= to_stamp(since.replace(second=0, microsecond=0))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


def _fernet_from_env() -> Fernet | None:
    secret = os.environ.get(TOKEN_KEY_ENV, "")
    if not secret:
        return None
    # Any passphrase works: it is stretched to the 32-byte key Fernet wants.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


class StoreTokenCache:
    """`connectors.base.TokenCache` on the store, encrypted with a key from the environment.

    Without `CRM_CREDIT_TOKEN_KEY` nothing is shared: each process logs in for itself.
    """

    def __init__(self, engine: Engine, fernet: Fernet | None = None) -> None:
        self.engine = engine
        self.fernet = fernet if fernet is not None else _fernet_from_env()

    def load_token(self, key: str, now: datetime) -> str | None:
        """A still-valid token saved under `key`, or None."""
        if self.fernet is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(token_cache).where(token_cache.c.key == key)).first()
        if row is None or from_stamp(row.expires_at) <= now:
            return None
        try:
            return self.fernet.decrypt(row.token.encode()).decode()
        except InvalidToken:
            return None  # saved under another key: log in again

    def save_token(self, key: str, token: str, expires_at: datetime) -> None:
        """Share a token with other processes until `expires_at`."""
        if self.fernet is None:
            return
        sealed = self.fernet.encrypt(token.encode()).decode()
        with write_transaction(self.engine) as conn:
            conn.execute(sa.delete(token_cache).where(token_cache.c.key == key))
            conn.execute(sa.insert(token_cache).values(key=key, token=sealed, expires_at=to_stamp(expires_at)))
