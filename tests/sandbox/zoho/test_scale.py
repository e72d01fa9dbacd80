"""Big orgs (slow): 5,000 accounts / ~47,000 invoices read completely, and the 100,000-row token reach."""

from __future__ import annotations

import pytest

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import AS_OF, ZohoHttp
from tests.sandbox.zoho.test_list_records import walk_all

pytestmark = pytest.mark.slow


def test_fifty_thousand_invoices_page_completely_with_tokens() -> None:
    """§2.1: every invoice of a 5,000-account org, once, through pages of 200 and page tokens."""
    with ZohoSandbox(accounts=5000, seed=7, as_of=AS_OF) as sandbox:
        client = ZohoHttp(sandbox)
        rows = walk_all(client, "Invoices", "Subject,Balance_Due,Modified_Time")
        assert len(rows) == sandbox.counts["Invoices"] > 40_000
        assert len({row["id"] for row in rows}) == len(rows)


def test_page_tokens_stop_at_one_hundred_thousand_rows() -> None:
    """§2.1: consecutive page tokens reach 100,000 records, then PAGINATION_LIMIT_EXCEEDED."""
    with ZohoSandbox(accounts=11_000, seed=7, as_of=AS_OF) as sandbox:
        assert sandbox.counts["Invoices"] > 100_000
        client = ZohoHttp(sandbox)
        params = {"fields": "Subject", "per_page": 200}
        body = client.get("/Invoices", params=params).json()
        delivered = len(body["data"])
        while True:
            response = client.get("/Invoices", params={**params, "page_token": body["info"]["next_page_token"]})
            if response.status_code != 200:
                break
            body = response.json()
            delivered += len(body["data"])
        assert delivered == 100_000
        assert response.json()["code"] == "PAGINATION_LIMIT_EXCEEDED"
