"""The default policy's backtest on the Salesforce sandbox history, synced through the real connector.

Slow: a 2,000-account org is synced over HTTPS before the backtest (bench/bench_backtest.py runs
the same with more accounts and prints the figures).
"""

from __future__ import annotations

import pytest

from bench.bench_backtest import run


@pytest.mark.slow
def test_the_default_policy_reaches_auc_0_70_on_the_sandbox_history() -> None:
    result, timings = run(accounts=2000, seed=5, as_of=None)
    assert result.accounts > 1500 and result.bads > 50, timings
    assert result.auc is not None and result.auc >= 0.70, result.to_json()
    rates = {row.grade: row.bad_rate for row in result.by_grade}
    assert rates["B"] < rates["C"] < rates["D"] < rates["E"]  # type: ignore[operator]
