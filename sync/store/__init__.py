"""The local store (SQLAlchemy Core on SQLite or PostgreSQL): `Store.open(url)` upgrades and connects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from sync.store.database import create_db_engine, read_connection, write_transaction
from sync.store.migrate import upgrade


class Store:
    """One database: the engine plus the two ways of using it (a write transaction, a long read)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, schema: str | None = None) -> Store:
        """Connect, bring the schema to the newest revision, and return the store."""
        engine = create_db_engine(url, schema=schema)
        upgrade(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, committed when the block ends without an exception."""
        with write_transaction(self.engine) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads that may stream for a long time."""
        with read_connection(self.engine) as conn:
            yield conn

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
