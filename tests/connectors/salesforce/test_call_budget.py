"""The issue's API-call bounds on a mid-size org (the full 5,000 / 50,000 run is bench/bench_salesforce_calls.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.bench_salesforce_calls import measure


@pytest.mark.slow
def test_first_unchanged_and_incremental_syncs_stay_within_the_call_bounds(tmp_path: Path) -> None:
    figures = measure(accounts=400, invoices=6_000, folder=tmp_path, bulk_threshold=3_000)
    for name in ("first_sync", "unchanged_rerun", "after_10_paid_invoices"):
        run = figures[name]
        assert run["outcome"] == "ok", name
        assert run["writes_ok"], (name, run["write_calls"], run["write_bound"])
        assert all(r["ok"] for r in run["reads"].values()), (name, run["reads"])
    assert figures["first_sync"]["reads"]["Invoice__c"].get("bulk job") == 1
    assert figures["unchanged_rerun"]["write_calls"] == 0
    last = figures["after_10_paid_invoices"]
    assert last["rows"]["invoice"]["changes"] == 10
    assert all(rows["all_in_window"] for rows in last["rows"].values())
    assert last["writes_only_affected"] and len(last["written_accounts"]) <= 10
