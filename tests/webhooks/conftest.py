"""An app over a fake CRM (SQLite store and queue) and helpers to sign generic webhooks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from connectors.registry import register_connector, unregister_connector
from sync.config import AppConfig
from sync.queue import JobQueue
from sync.store import Store
from sync.store.schema import webhook_receipts
from tests.fakes.fake_crm import FakeCrm, fake_factory
from tests.sync.builders import source_table
from tests.sync.queue_helpers import sqlite_queue
from webhooks.app import create_app
from webhooks.signature import sign

SECRET = "s3cret-for-tests"
TOKEN = "alice-token-0123456789"


@dataclass
class Served:
    """The app under test and what it works with."""

    client: TestClient
    config: AppConfig
    store: Store
    jobs: JobQueue
    crm: FakeCrm

    def post_generic(self, body: Any, source: str = "sf", **headers: str) -> Any:
        """POST a signed generic notification (a dict is sent as JSON; headers override the signed ones)."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        stamp = str(int(time.time()))
        signed = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, raw)}
        signed.update({k.replace("_", "-"): v for k, v in headers.items()})
        signed.setdefault("Content-Type", "application/json")
        return self.client.post(f"/webhooks/generic/{source}", content=raw, headers=signed)

    def receipts(self) -> int:
        """Rows in the receipts table (deliveries and spent signatures)."""
        with self.store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(webhook_receipts)).scalar_one())


def make_config(store_url: str, queue_url: str, **webhooks: Any) -> AppConfig:
    """One fake-backed source `sf` (kind salesforce) plus a generic secret and a user."""
    return AppConfig.model_validate(
        {
            "store": {"url": store_url},
            "queue": {"url": queue_url},
            "webhooks": {"secret": SECRET, "max_body_kb": 4, **webhooks},
            "users": {"alice@example.com": TOKEN},
            "sources": {"sf": source_table()},
        }
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The app on a fresh SQLite store and queue, the fake CRM standing in for Salesforce."""
    crm = FakeCrm()
    register_connector("salesforce", fake_factory(crm))
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    jobs = sqlite_queue(tmp_path)
    config = make_config(f"sqlite:///{tmp_path / 'store.db'}", f"sqlite:///{tmp_path / 'queue.db'}")
    app = create_app(config, store, jobs)
    with TestClient(app) as client:
        yield Served(client, config, store, jobs, crm)
    jobs.close()
    store.close()
    unregister_connector("salesforce")
