"""Train on the store's history and write the result as the policy's own `[scorecard.*]` bin tables.

The training rows are backtest cases (`credit_core.backtest`): each account's characteristic values
as of a past day, labelled bad when an invoice went more than 90 days past due in the next months.
A bin's policy points are its fitted points minus those of the variable's Missing bin (the core adds
nothing for missing data), rescaled so that `pdo` policy points double the odds; the policy's neutral
score then stands for a customer about whom nothing is known, as before.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import tomlkit

from credit_core.backtest import Case
from credit_core.features import CHARACTERISTICS
from scorecard.fit import TrainedScorecard, fit_scorecard

TARGET = "bad"
CATEGORIES = {"altman_zone": ("safe", "grey", "distress"), "industry_risk": ("low", "medium", "high")}
MODEL_PDO = 20.0


class NotEnoughHistory(ValueError):
    """Too few bad outcomes on record to fit a scorecard that beats the expert one."""


def history_frame(cases: Iterable[Case]) -> Any:
    """One row per case: every characteristic (None as NaN; the Altman zone as its name) and `bad`."""
    import pandas as pd

    rows = []
    for case in cases:
        row = {name: (value[1] if name == "altman_zone" and value is not None else value)
               for name, value in case.values.items()}  # fmt: skip
        row[TARGET] = int(case.bad)
        rows.append(row)
    frame = pd.DataFrame(rows)
    for name in frame.columns:
        if name not in CATEGORIES:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def train(frame: Any, min_bads: int = 100, min_filled: float = 0.05) -> TrainedScorecard:
    """Fit on the characteristics that are filled for at least `min_filled` of the rows."""
    bads = int(frame[TARGET].sum())
    if bads < min_bads:
        raise NotEnoughHistory(f"{bads} bad outcomes on record; at least {min_bads} are needed to train")
    names = [c.name for c in CHARACTERISTICS if c.name in frame and frame[c.name].notna().mean() >= min_filled]
    names = [n for n in names if frame[n].nunique(dropna=True) > 1]
    categorical = [n for n in names if n in CATEGORIES]
    return fit_scorecard(frame, TARGET, names, categorical, pdo=MODEL_PDO)


def _points(table: Any, variable: str) -> tuple[list[Any], list[float], float]:
    rows = table[table["Variable"] == variable]
    missing = float(rows[rows["Bin"] == "Missing"]["Points"].iloc[0])
    kept = rows[~rows["Bin"].isin(["Special", "Missing"])]
    return list(kept["Bin"]), [float(p) for p in kept["Points"]], missing


def _number(value: float, places: int = 1) -> Decimal:
    rounded = Decimal(str(round(value, places)))
    return rounded if rounded else Decimal(0)  # no "-0.0" in the policy file


def policy_tables(trained: TrainedScorecard, pdo: float = 10) -> dict[str, dict[str, Any]]:
    """`[scorecard.<name>]` tables: numeric bins as edges/points, categories as per-name points."""
    table = trained.table()
    process = trained.model.binning_process_
    scale = pdo / MODEL_PDO
    out: dict[str, dict[str, Any]] = {}
    for name in trained.variables:
        _bins, points, missing = _points(table, name)
        relative = [(p - missing) * scale for p in points]
        if name in CATEGORIES:
            groups = process.get_binned_variable(name).splits
            found = {str(cat): _number(r) for group, r in zip(groups, relative, strict=False) for cat in group}
            out[name] = {cat: found.get(cat, Decimal(0)) for cat in CATEGORIES[name]}
            continue
        splits = [float(s) for s in process.get_binned_variable(name).splits]
        if not splits or len(relative) != len(splits) + 1 or any(math.isnan(r) for r in relative):
            continue  # one bin: the variable does not separate goods from bads
        out[name] = {"edges": [_number(s, 6) for s in splits], "points": [_number(r) for r in relative]}
    return out


def trained_policy_text(base_text: str, tables: dict[str, dict[str, Any]], version: str) -> str:
    """The base policy with its scorecard replaced by `tables` (window kept) and a new version label."""
    raw = copy.deepcopy(tomllib.loads(base_text))
    window = raw.get("scorecard", {}).get("window_days", 365)
    raw["scorecard"] = {"window_days": window, **tables}
    raw["version"] = version
    document = tomlkit.document()
    document.add(tomlkit.comment("Trained with `crm-credit scorecard train` (WoE binning + logistic regression)."))
    document.add(tomlkit.comment("Check it with `crm-credit backtest --policy` and `crm-credit simulate --policy`."))
    document.update(_plain(raw))
    return tomlkit.dumps(document)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
