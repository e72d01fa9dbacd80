"""A sandbox org per module (or per test where a test spends its budget or expires sessions), and
connectors built the way the engine builds them, with retries that never sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from connectors.base import ConnectorContext
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.settings import SalesforceSource
from sandbox.salesforce import SalesforceSandbox
from tests.connectors.contract.harness_salesforce import WRITEBACK, install_writeback_fields, source_table

MakeConnector = Callable[..., SalesforceConnector]

# The orgs are seeded as of yesterday: a seed as of today stamps today's invoices between 08:00 and
# 13:00 UTC, up to the moment the org starts, so a window ending at the tests' module-level NOW
# (taken at import, before the org starts) could miss some and a window around NOW could catch some.
AS_OF = date.today() - timedelta(days=1)


def settings_for(box: SalesforceSandbox, **overrides: Any) -> SalesforceSource:
    """The contract mapping of this sandbox, with overrides."""
    return SalesforceSource.model_validate({**source_table(box), **overrides})


def connector_for(box: SalesforceSandbox, **overrides: Any) -> SalesforceConnector:
    """A connector whose retries do not sleep."""
    return SalesforceConnector("sf", settings_for(box, **overrides), ConnectorContext("sf", sleep=lambda s: None))


@pytest.fixture(scope="module")
def shared() -> Iterator[SalesforceSandbox]:
    """A started org with the write-back fields, shared by a module's read-mostly tests."""
    with SalesforceSandbox(accounts=40, seed=21, as_of=AS_OF) as box:
        install_writeback_fields(box, WRITEBACK)
        yield box


@pytest.fixture
def box(shared: SalesforceSandbox) -> Iterator[SalesforceSandbox]:
    """The shared org, with faults, rejections and the call log reset after each test."""
    yield shared
    shared.faults.clear()
    shared.calls.clear()
    shared.org.rejections.clear()
    shared.clear_validation_rules()


@pytest.fixture
def fresh() -> Iterator[SalesforceSandbox]:
    """An org of its own (budget, sessions and data may be changed freely)."""
    with SalesforceSandbox(accounts=12, seed=22, as_of=AS_OF, api_limit=10_000) as box:
        install_writeback_fields(box, WRITEBACK)
        yield box


@pytest.fixture
def make(box: SalesforceSandbox) -> Iterator[MakeConnector]:
    """Connectors on the shared org, closed afterwards."""
    made: list[SalesforceConnector] = []

    def build(**overrides: Any) -> SalesforceConnector:
        connector = connector_for(box, **overrides)
        made.append(connector)
        return connector

    yield build
    for connector in made:
        connector.close()
