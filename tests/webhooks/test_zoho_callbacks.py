"""Zoho callbacks at `serve`: accepted only on an active channel of ours with our token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.base import PushChannel
from sync.config import AppConfig
from sync.queue import JobQueue
from sync.store import Store
from sync.store.channels import StoreChannelStore
from tests.connectors.zoho.builders import source_table
from tests.sync.queue_helpers import sqlite_queue
from webhooks.app import create_app

ACTIVE, EXPIRED = "1000000000000000101", "1000000000000000102"
TOKEN = "channel-token-7"  # the source table's channel_token


class Zoho:
    def __init__(self, folder: Path) -> None:
        self.store = Store.open(f"sqlite:///{folder / 'store.db'}")
        self.jobs: JobQueue = sqlite_queue(folder)
        config = AppConfig.model_validate(
            {"store": {"url": f"sqlite:///{folder / 'store.db'}"}, "sources": {"zoho": source_table()}}
        )
        now = datetime.now(UTC)
        channels = StoreChannelStore(self.store.engine)
        channels.save_channel("zoho", PushChannel(ACTIVE, now + timedelta(days=5), ("Invoices.all",), "https://x"))
        channels.save_channel("zoho", PushChannel(EXPIRED, now - timedelta(hours=1), ("Invoices.all",), "https://x"))
        self.client = TestClient(create_app(config, self.store, self.jobs))

    def post(self, **changes: Any) -> Any:
        body = {
            "server_time": 1764331200000,
            "query_params": {},
            "module": "Invoices",
            "resource_uri": "https://www.zohoapis.com/crm/v2/Invoices",
            "ids": ["4876876000000123001"],
            "affected_fields": [],
            "operation": "update",
            "channel_id": ACTIVE,
            "token": TOKEN,
        }
        body.update(changes)
        return self.client.post("/webhooks/zoho/zoho", content=json.dumps(body).encode())


@pytest.fixture
def zoho(tmp_path: Path) -> Iterator[Zoho]:
    served = Zoho(tmp_path)
    with served.client:
        yield served
    served.jobs.close()
    served.store.close()


def test_a_callback_on_an_active_channel_with_our_token_is_queued(zoho: Zoho) -> None:
    answer = zoho.post()
    assert answer.status_code == 200 and answer.json() == {"changes": 1, "queued": 1, "duplicate": False}
    assert zoho.jobs.pending() == 1


def test_a_retried_callback_is_answered_but_not_queued_again(zoho: Zoho) -> None:
    zoho.post()
    zoho.jobs.huey.storage.flush_all()
    again = zoho.post()
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert zoho.jobs.pending() == 0


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"channel_id": "1000000000000000999"}, 401),  # a channel we never opened
        ({"channel_id": EXPIRED}, 401),  # one that lapsed
        ({"token": "guessed"}, 401),
        ({"token": None}, 401),
        ({"ids": ["../etc"]}, 400),
    ],
)
def test_unknown_channels_wrong_tokens_and_bad_ids_are_refused_and_change_nothing(
    zoho: Zoho, changes: dict[str, Any], status: int
) -> None:
    answer = zoho.post(**changes)
    assert answer.status_code == status and answer.json()["detail"]
    assert TOKEN not in answer.text
    assert zoho.jobs.pending() == 0


def test_a_body_that_is_not_json_is_refused_400(zoho: Zoho) -> None:
    assert zoho.client.post("/webhooks/zoho/zoho", content=b"<xml/>").status_code == 400
    assert zoho.jobs.pending() == 0
