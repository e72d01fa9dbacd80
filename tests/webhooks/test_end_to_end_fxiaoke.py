"""Fxiaoke has no push API: a tenant workflow calls the signed generic webhook, and the worker fetches
the record through the connector, re-evaluates the customer and writes its credit fields back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness, pay_invoice
from tests.webhooks.live import SECRET, backend, live
from tests.webhooks.test_end_to_end import config_data, first_sync, nothing_left_to_write, wait_until
from webhooks.signature import sign


@pytest.fixture
def fxiaoke() -> Iterator[FxiaokeHarness]:
    tenant = FxiaokeHarness(accounts=12, seed=11)
    yield tenant
    tenant.close()


def test_a_workflow_calling_the_generic_webhook_rewrites_the_customers_credit_fields(
    fxiaoke: FxiaokeHarness, tmp_path: Path
) -> None:
    with backend("sqlite", tmp_path) as where, live(tmp_path, config_data(where, "fx", fxiaoke.source_table())) as run:
        first_sync(run)
        plan_id, account_id = fxiaoke.open_invoice()
        before, writes = fxiaoke.written(account_id), fxiaoke.write_calls()
        detail_id = pay_invoice(fxiaoke.fx, plan_id)
        # What the tenant's workflows (APL functions on 回款明细 and 回款计划 changes) post.
        with requests.Session() as http:
            http.trust_env = False
            for kind, crm_id in (("payment", detail_id), ("invoice", plan_id)):
                body = json.dumps({"object": kind, "ids": [crm_id]}).encode()
                stamp = str(int(time.time()))
                headers = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, body)}
                answer = http.post(f"{run.url}/webhooks/generic/fx", data=body, headers=headers, timeout=10)
                assert answer.status_code == 202, answer.text
        limit = fxiaoke.writeback["available_credit"]
        wait_until(lambda: fxiaoke.written(account_id) != before)
        run.wait_idle()
        assert float(fxiaoke.written(account_id)[limit]) > float(before[limit])
        # One data/update per re-evaluation of the one customer that changed (the two notices may be
        # decided together or one after the other: a quiet customer's change is not delayed).
        assert writes + 1 <= fxiaoke.write_calls() <= writes + 2
        nothing_left_to_write(run)
