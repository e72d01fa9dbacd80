"""Fixtures for Zoho connector tests: `responses` for narrow faults, a fresh sandbox for the wire."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import responses

from sandbox.zoho import ZohoSandbox
from tests.connectors.zoho.builders import ACCOUNTS_URL, API

AS_OF = date(2026, 11, 1)


@pytest.fixture
def zoho_api() -> Iterator[responses.RequestsMock]:
    """Every HTTP call answered by `responses`; unexpected calls fail the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def grant(mock: responses.RequestsMock, token: str = "tok-1", **extra: Any) -> None:  # noqa: S107
    """Queue one successful refresh-grant answer (HTTP 200, like every Zoho token answer)."""
    body = {"access_token": token, "api_domain": API, "token_type": "Bearer", "expires_in": 3600, **extra}
    mock.add("POST", f"{ACCOUNTS_URL}/oauth/v2/token", json=body)


def row(crm_id: str, stamp: str, **fields: Any) -> dict[str, Any]:
    """A list-API row: id, Modified_Time with the org's offset, and fields."""
    return {"id": crm_id, "Modified_Time": stamp, **fields}


def page(rows: list[dict[str, Any]], token: str | None = None, more: bool | None = None) -> dict[str, Any]:
    """A list-API body with Zoho's `info` block."""
    more = token is not None if more is None else more
    info = {"per_page": 200, "count": len(rows), "page": 1, "more_records": more, "next_page_token": token,
            "sort_by": "Modified_Time", "sort_order": "asc", "call": False, "email": False}  # fmt: skip
    return {"data": rows, "info": info}


@pytest.fixture
def fresh() -> Iterator[ZohoSandbox]:
    """A small sandbox of its own (30 accounts), for tests that write or move the clock."""
    sandbox = ZohoSandbox(accounts=30, seed=11, as_of=AS_OF, notify_retry_delays=(0.05, 0.05)).start()
    yield sandbox
    threading.Thread(target=sandbox.stop, daemon=True).start()


@pytest.fixture(scope="session")
def shared() -> Iterator[ZohoSandbox]:
    """300 accounts (~2,800 invoices, past the 2,000-row page reach). Tests never write to it."""
    with ZohoSandbox(accounts=300, seed=7, as_of=AS_OF) as sandbox:
        yield sandbox
