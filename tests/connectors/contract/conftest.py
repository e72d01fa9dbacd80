"""Fixtures of the connector contract suite: one fresh sandbox per test for every CRM harness found,
a store on SQLite (or PostgreSQL), and a `Sync` helper running the real engine over HTTPS."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sync.config import AppConfig
from sync.engine import SyncEngine, SyncReport
from sync.store import Store
from tests.conftest import PG_URL
from tests.connectors.contract.harness import CrmHarness

ACCOUNTS = 16
SOURCE = "crm"
HARNESSES = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("harness_"))


@pytest.fixture(params=HARNESSES)
def crm(request: pytest.FixtureRequest) -> Iterator[CrmHarness]:
    """A started sandbox of one CRM with about ACCOUNTS accounts."""
    module = importlib.import_module(f"tests.connectors.contract.{request.param}")
    harness: CrmHarness = module.open_harness(ACCOUNTS)
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store."""
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    """A fresh PostgreSQL store in a schema of its own."""
    schema = f"c_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    opened = Store.open(pg_url, schema=schema)
    try:
        yield opened
    finally:
        opened.close()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


class Sync:
    """Runs the real SyncEngine for one source over a harness's sandbox."""

    def __init__(self, crm: CrmHarness, store: Store, **overrides: Any) -> None:
        self.crm = crm
        self.store = store
        self.table = {**crm.source_table(), **overrides}
        self.config = AppConfig.model_validate({"store": {"url": "sqlite://"}, "sources": {SOURCE: self.table}})

    def engine(self, progress: Callable[[str, str, int], None] | None = None) -> SyncEngine:
        """A fresh engine (as a new process builds one); retries never sleep."""
        return SyncEngine(self.config, self.store, sleep=lambda seconds: None, progress=progress)

    def run(self, full: bool = False, progress: Callable[[str, str, int], None] | None = None) -> SyncReport:
        """One `crm-credit sync`."""
        engine = self.engine(progress)
        try:
            return engine.sync([SOURCE], full=full)
        finally:
            engine.close()


@pytest.fixture
def sync(crm: CrmHarness, store: Store) -> Sync:
    """The engine over this harness and a SQLite store."""
    return Sync(crm, store)
