"""`python -m bench.run_all`: the JSON it writes (shape, not speed: no figure's value is judged here)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import run_all

FIGURE_KEYS = {"id", "name", "value", "unit", "goal", "lower_is_better", "ratio", "note", "met"}


def test_quick_p2_writes_each_figure_with_goal_ratio_and_verdict(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    run_all.main(["--quick", "--only", "P2", "--json", str(out)])
    saved = json.loads(out.read_text())
    assert {f["id"] for f in saved["figures"]} == {"P2.mapping", "P2.mapping_decimal", "P2.store_write"}
    for figure in saved["figures"]:
        assert set(figure) == FIGURE_KEYS
        assert figure["value"] > 0 and figure["goal"] > 0
        assert figure["met"] == (figure["value"] <= figure["goal"])
        assert figure["ratio"] == figure["value"] / figure["goal"]
    assert saved["not_met"] == [f["id"] for f in saved["figures"] if not f["met"]]
    assert saved["machine"]["cpus"] >= 1 and len(saved["machine"]["load_average"]) == 3
    assert {"python", "sqlite", "postgresql", "sqlalchemy"} <= set(saved["versions"])
    overhead = saved["sandbox_overhead_ms"]
    assert "error" not in overhead and all(v["median_ms"] > 0 for v in overhead.values())
    assert saved["quick"] is True and saved["missing"] == []


def test_a_module_without_figures_is_named_not_fatal(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    modules = {"bench.figures": ("P9",), "bench.no_such_module": ("P9",)}
    document = run_all.main(["--quick", "--only", "P9", "--json", str(out)], modules=modules)
    assert document["figures"] == []
    assert document["missing"][0] == "bench.figures: has no figures() yet"
    assert document["missing"][1].startswith("bench.no_such_module: not importable")
    assert json.loads(out.read_text())["missing"] == document["missing"]
