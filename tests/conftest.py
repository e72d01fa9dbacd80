"""Fixtures every test may use: service probes that skip locally and fail in CI, a frozen clock."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("CRM_CREDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CRM_CREDIT_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a service is absent, but fail under CI=true, where it must be there."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: services are required)")
    pytest.skip(message)


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL test database URL (the server must be up)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return PG_URL


@pytest.fixture
def redis_url() -> str:
    """A Redis database reserved for tests."""
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


FROZEN_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now() -> datetime:
    """A fixed 'now' for tests whose outcome depends on the date."""
    return FROZEN_NOW
