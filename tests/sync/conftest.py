"""Store fixtures: every store test runs on SQLite and on PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.store import Store
from tests.conftest import PG_URL, require_service


def _pg_schema_store() -> Iterator[tuple[Store, str, str]]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    store = Store.open(PG_URL, schema=schema)
    try:
        yield store, PG_URL, schema
    finally:
        store.close()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, str, str | None]]:
    """(store, url, schema) on each backend; the url and schema let a test reopen the same store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        store = Store.open(url)
        try:
            yield store, url, None
        finally:
            store.close()
    else:
        yield from _pg_schema_store()


@pytest.fixture
def store(store_target: tuple[Store, str, str | None]) -> Store:
    """A fresh, migrated store on each backend."""
    return store_target[0]
