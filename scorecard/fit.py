"""Fit and apply a WoE-binned logistic scorecard (optbinning's BinningProcess + Scorecard).

Conventions (credit.md §2.11): points = offset + factor·ln(odds good:bad), factor = pdo / ln 2, so a
higher score is a lower risk; optbinning's `pdo_odds` scaling with `rounding=False` keeps the fitted
ranking exact. Monotonic trends are asked for ("auto_asc_desc") so every variable's points move one
way, which credit staff can defend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SEED = 0


@dataclass
class TrainedScorecard:
    """A fitted optbinning Scorecard and the columns it reads."""

    model: Any  # optbinning.Scorecard
    variables: list[str]
    target: str

    def score(self, frame: Any) -> Any:
        """Points per row (higher = lower risk)."""
        return self.model.score(frame[self.variables])

    def probability(self, frame: Any) -> Any:
        """The fitted probability that a row is bad."""
        return self.model.predict_proba(frame[self.variables])[:, 1]

    def table(self) -> Any:
        """The points table: one row per variable and bin."""
        return self.model.table(style="detailed")


def fit_scorecard(
    frame: Any,
    target: str,
    variables: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    pdo: float = 20,
    anchor_score: float = 600,
    anchor_odds: float = 50,
    max_n_bins: int = 6,
) -> TrainedScorecard:
    """Fit WoE binning and a logistic regression on `frame` (target 1 = bad, 0 = good)."""
    from optbinning import BinningProcess, Scorecard  # the [scorecard] extra, imported only here
    from sklearn.linear_model import LogisticRegression

    names = list(variables) if variables is not None else [c for c in frame.columns if c != target]
    binning_fit_params = {name: {"monotonic_trend": "auto_asc_desc", "max_n_bins": max_n_bins} for name in names}
    process = BinningProcess(
        variable_names=names,
        categorical_variables=[c for c in categorical if c in names],
        binning_fit_params=binning_fit_params,
    )
    model = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(solver="lbfgs", max_iter=1000, random_state=SEED),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": pdo, "odds": anchor_odds, "scorecard_points": anchor_score},
        reverse_scorecard=False,
    )
    model.fit(frame[names], frame[target].to_numpy())
    return TrainedScorecard(model, names, target)


def stratified_split(frame: Any, target: str, test_size: float = 0.3, seed: int = SEED) -> tuple[Any, Any]:
    """(train, test) with the bad rate kept in both (scikit-learn's stratified shuffle)."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(frame, test_size=test_size, stratify=frame[target], random_state=seed)
    return train, test


def auc_of(trained: TrainedScorecard, frame: Any) -> float:
    """Out-of-sample AUC: how often a good row outscores a bad one."""
    from sklearn.metrics import roc_auc_score

    # Bad = 1 and a higher score means lower risk, so rank by the fitted bad probability.
    return float(roc_auc_score(frame[trained.target], trained.probability(frame)))
