"""A big org (slow): a walk past the 100,000-row page_token reach."""

from __future__ import annotations

import pytest

from connectors.base import Window
from sandbox.zoho import ZohoSandbox
from tests.connectors.zoho.builders import real_now, sandbox_kit

pytestmark = pytest.mark.slow


def test_a_walk_past_100000_invoices_starts_a_second_chain_and_loses_nothing() -> None:
    with ZohoSandbox(accounts=11_000, seed=7) as box:
        assert box.counts["Invoices"] > 100_000
        k = sandbox_kit(box)
        seen = [(r.stamp, r.crm_id) for r in k.connector.pull_changed("invoice", Window(None, real_now()))]
        assert seen == sorted(seen) and len(set(seen)) == len(seen) == box.counts["Invoices"]
        stats = k.connector.walks["invoice"].stats
        assert stats.chains == 2 and stats.coql_calls == 0
