"""The local store (SQLAlchemy Core on SQLite or PostgreSQL): `Store.open(url)` upgrades and connects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from sync.store.database import create_db_engine, read_connection, write_transaction
from sync.store.migrate import upgrade
from sync.store.schema import metadata


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

    def refresh_statistics(self) -> None:
        """Have PostgreSQL re-sample every table's statistics (SQLite plans by its indexes without them).

        Called after a sync that stored many rows: until autovacuum gets to it (a minute or more), the
        planner still sees the tables as they were, and a webhook's keyed lookup in a table the first
        sync filled was planned as a sequential scan of it (~1 s each under load instead of ~0.1 ms).
        """
        if self.dialect != "postgresql":
            return
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"ANALYZE {names}")

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
