"""The package's public face: DESIGN §6 names importable from `credit_core`, and module sizes kept small."""

from __future__ import annotations

import inspect
from pathlib import Path

import credit_core


def test_the_entry_points_and_metrics_import_from_the_package() -> None:
    from credit_core import evaluate, evaluate_account, metrics

    assert list(inspect.signature(evaluate_account).parameters) == [
        "account",
        "invoices",
        "orders",
        "policy",
        "as_of",
        "previous",
        "fx_rates",
        "payments",
        "group_exposure",
    ]
    assert list(inspect.signature(evaluate).parameters)[:8] == [
        "accounts",
        "invoices",
        "orders",
        "policy",
        "as_of",
        "previous",
        "fx_rates",
        "payments",
    ]
    for name in (
        "dso_simple",
        "dso_countback",
        "best_possible_dso",
        "average_days_delinquent",
        "collection_effectiveness_index",
        "paydex_from_days",
        "paydex_to_days",
        "paydex",
        "altman_z",
        "scorecard_scaling",
        "score_at_odds",
        "dunning_charges",
        "aging_buckets",
    ):
        assert callable(getattr(metrics, name)), name


def test_the_core_imports_nothing_from_the_crm_side_and_stays_in_small_modules() -> None:
    for module in Path(credit_core.__file__).parent.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for outside in ("connectors", "sync", "webhooks", "sandbox", "cli"):
            assert f"from {outside}" not in text and f"import {outside}" not in text, (module.name, outside)
        assert len(text.splitlines()) <= 400, module.name
