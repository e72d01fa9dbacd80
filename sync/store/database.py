"""Opening the store: URL normalisation, SQLite pragmas, real transactions, self-upgrade on open."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from connectors.errors import ConfigError

# WAL lets the evaluation stream read while a writer commits; NORMAL is durable across process
# crashes (the WAL survives), which is the failure the engine is built for.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy's own default would be psycopg2)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    if url.startswith("sqlite://") or url.startswith("postgresql+psycopg://"):
        return url
    raise ConfigError(f"store url {url.split('://')[0]}://… is not supported (use sqlite:/// or postgresql://)")


POOL_SIZE, POOL_OVERFLOW = 20, 10
IDLE_PING_S = 10.0  # a pooled connection idle longer than this is pinged before use


def create_db_engine(url: str, schema: str | None = None) -> Engine:
    """An Engine with the pragmas and transaction behaviour the store relies on."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
    else:
        # Connections are kept for every thread that may hold one at once (serve's intake threads,
        # a worker's threads): a pool smaller than that opens and closes a PostgreSQL backend per
        # overflowing request, which under a burst of webhooks costs more than the requests.
        engine = sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        _ping_when_idle(engine)
        if schema:
            _pin_search_path(engine, schema)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled PostgreSQL connection before use only when it sat idle, and replace it if dead.

    A server restart or an idle timeout kills connections that wait in the pool; a connection used a
    moment ago is alive. Pinging on every checkout (`pool_pre_ping`) cost one round trip per
    transaction, and a webhook's recalculation runs about twenty of them. This is SQLAlchemy's
    documented pessimistic-disconnect recipe: raising DisconnectionError makes the pool connect anew.
    """

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_PING_S:
            return
        try:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:  # any driver error means the connection is gone
            raise sa.exc.DisconnectionError() from exc

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()


def _ensure_sqlite_folder(url: str) -> None:
    path = sa.make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling never BEGINs before a SELECT; take control of it.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front so two writers never deadlock upgrading a read lock.
        mode = "IMMEDIATE" if conn.get_execution_options().get("write", True) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def _pin_search_path(engine: Engine, schema: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()
        dbapi_conn.commit()


_SQLITE_WRITERS: dict[str, threading.RLock] = {}
_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.RLock | None:
    """One lock per SQLite file and process.

    SQLite admits one writer at a time; a thread that finds the file locked waits in SQLite's busy
    handler, which sleeps in steps of up to 100 ms. `serve` runs its intake and its worker threads
    in one process, so queueing them on a lock here hands the file over the moment it is free.
    """
    if engine.dialect.name != "sqlite":
        return None
    with _GUARD:
        return _SQLITE_WRITERS.setdefault(str(engine.url.database), threading.RLock())


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside one write transaction, committed on success."""
    lock = _sqlite_writer_lock(engine)
    if lock is None:
        with engine.connect() as conn, conn.begin():
            yield conn
        return
    with lock, engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for long reads (streaming), never holding the write lock."""
    with engine.connect().execution_options(write=False) as conn, conn.begin():
        yield conn
