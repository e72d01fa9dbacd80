"""Fixtures of the reliability suite: stores a config file can name (SQLite, or PostgreSQL in a schema of
its own), config files over a sandbox, and the CLI's `status --json` as a user would read it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import tomlkit
from typer.testing import CliRunner

from cli.app import app, normalise_argv
from cli.main import run  # noqa: F401  registers every command
from sync.store import Store
from tests.conftest import PG_URL, require_service

SOURCE = "crm"


@dataclass(frozen=True)
class StoreTarget:
    """A store reachable from a config file alone: its URL pins the PostgreSQL schema itself."""

    backend: str
    url: str

    def open(self) -> Store:
        """Open (and migrate) the store."""
        return Store.open(self.url)


def _pg_target() -> Iterator[StoreTarget]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        # libpq's `options` sets search_path for every connection, so a child process needs only the URL.
        yield StoreTarget("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def new_store_target(backend: str, folder: Path) -> Iterator[StoreTarget]:
    """A fresh, empty store on `backend`, dropped afterwards (PostgreSQL) or left in `folder` (SQLite)."""
    if backend == "sqlite":
        yield StoreTarget("sqlite", f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:8]}.db'}")
    else:
        yield from _pg_target()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Each store backend in turn."""
    return str(request.param)


@pytest.fixture
def store_target(backend: str, tmp_path: Path) -> Iterator[StoreTarget]:
    """A fresh store on this backend."""
    with new_store_target(backend, tmp_path) as target:
        yield target


def write_config(path: Path, store_url: str, source_table: dict[str, Any]) -> Path:
    """A `crm-credit.toml` with one source named SOURCE."""
    document = {"store": {"url": store_url}, "sources": {SOURCE: source_table}}
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> Any:
    """Run one command in-process, as `crm-credit --config CONFIG ARGS` would."""
    return CliRunner().invoke(app, normalise_argv(["--config", str(config), *args]), catch_exceptions=False)


def status_json(config: Path) -> dict[str, Any]:
    """`crm-credit status --json` for SOURCE."""
    result = cli(config, "status", "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)["sources"][SOURCE]
    return shown
