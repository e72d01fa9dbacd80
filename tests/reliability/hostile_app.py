"""`serve`'s app over a Salesforce and a Zoho sandbox org, for requests nobody friendly would send."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from connectors.base import PushChannel
from sync.config import AppConfig
from sync.queue import JobQueue
from sync.store import Store
from sync.store.channels import StoreChannelStore
from sync.store.schema import webhook_receipts
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.hostile_support import store_backend
from tests.sync.queue_helpers import sqlite_queue
from webhooks.app import create_app
from webhooks.signature import sign

SECRET = "hostile-generic-secret"
TOKEN = "hostile-user-token-0123456789"
CHANNEL = "1000000000000000777"
MAX_BODY_KB = 64


@dataclass
class Hostile:
    """The app, what it works with, and helpers to send what an attacker would."""

    app: FastAPI
    config: AppConfig
    store: Store
    jobs: JobQueue
    sf: SalesforceHarness
    zoho: ZohoHarness

    def client(self) -> TestClient:
        """A client that does not run the app's lifespan (no background login)."""
        return TestClient(self.app, raise_server_exceptions=False)

    def signed(self, body: bytes, stamp: str | None = None, secret: str = SECRET) -> dict[str, str]:
        """Generic-webhook headers for this body."""
        stamp = stamp or str(int(time.time()))
        return {"X-Timestamp": stamp, "X-Signature": sign(secret.encode(), stamp, body),
                "Content-Type": "application/json"}  # fmt: skip

    def zoho_body(self, **changes: Any) -> bytes:
        """A Zoho notification on our channel, with our token."""
        body = {"server_time": int(time.time() * 1000), "query_params": {}, "module": "Invoices",
                "resource_uri": f"{self.zoho.box.url}/crm/v8/Invoices", "ids": [self.zoho.live_ids("invoice")[0]],
                "affected_fields": [], "operation": "update", "channel_id": CHANNEL,
                "token": self.config.sources["zoho"].channel_token.get_secret_value()}  # type: ignore[union-attr]  # fmt: skip
        body.update(changes)
        return json.dumps(body).encode()

    def footprint(self) -> tuple[int, int]:
        """(jobs queued, receipts stored): what an accepted notification adds to."""
        with self.store.read() as conn:
            receipts = int(conn.execute(sa.select(sa.func.count()).select_from(webhook_receipts)).scalar_one())
        return self.jobs.pending(), receipts


def _config(store_url: str, folder: Path, sf: SalesforceHarness, zoho: ZohoHarness) -> AppConfig:
    return AppConfig.model_validate(
        {
            "store": {"url": store_url},
            "queue": {"url": f"sqlite:///{folder / 'queue.db'}"},
            "webhooks": {"secret": SECRET, "max_body_kb": MAX_BODY_KB},
            "users": {"ops@example.com": TOKEN},
            "sources": {"sf": sf.source_table(), "zoho": zoho.source_table()},
        }
    )


@contextmanager
def hostile_app(backend_name: str, folder: Path, sf: SalesforceHarness, zoho: ZohoHarness) -> Iterator[Hostile]:
    """The app on this backend, the Salesforce org id learned and one live Zoho channel stored."""
    with store_backend(backend_name, folder) as where:
        jobs = sqlite_queue(folder)
        config = _config(where.url, folder, sf, zoho)
        channels = StoreChannelStore(where.store.engine)
        expires = datetime.now(UTC) + timedelta(days=5)
        channels.save_channel("zoho", PushChannel(CHANNEL, expires, ("Invoices.all",), "https://serve.example"))
        app = create_app(config, where.store, jobs, learn_org_ids=False)
        assert app.state.service.org_ids.learn("sf"), "serve could not log in to the Salesforce sandbox"
        try:
            yield Hostile(app, config, where.store, jobs, sf, zoho)
        finally:
            app.state.service.close()
            jobs.close()
