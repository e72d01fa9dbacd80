"""Every P benchmark of issue 9 in one command: a table of figures beside their goals, and JSON.

Each feeding module exposes `figures(quick: bool) -> list[Figure]` (bench/figures.py). The header says on
what the figures were measured — machine, load average at the start, versions — and what the Salesforce
sandbox itself costs per request, so a reader can tell our time from the emulator's. Never run in CI.

    python -m bench.run_all                      # full sizes (P1 alone takes minutes)
    python -m bench.run_all --quick              # small sizes: a smoke test of every module
    python -m bench.run_all --only P2,P5 --json figures.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sqlite3
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.figures import Figure

# Module -> the P ids it feeds (so --only imports and runs just those).
MODULES: dict[str, tuple[str, ...]] = {
    "bench.bench_initial_sync": ("P1",),
    "bench.bench_sync": ("P2",),
    "bench.bench_salesforce_calls": ("P3",),
    "bench.bench_zoho_calls": ("P3",),
    "bench.bench_webhooks": ("P4", "P6"),
    "bench.bench_reevaluate": ("P5",),
}
LIBRARIES = ("sqlalchemy", "psycopg", "simple-salesforce", "requests", "pydantic", "fastapi", "uvicorn", "huey")


def cpu_model() -> str:
    """The processor's name as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def postgres_version(url: str = "postgresql://127.0.0.1:5432/test") -> str:
    """The server version of the local PostgreSQL, or why there is none."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except Exception as error:
        return f"n/a ({type(error).__name__})"


def environment() -> dict[str, Any]:
    """Machine, load and versions, taken before anything is measured."""
    versions = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": postgres_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "cpu_model": cpu_model(),
            "load_average": list(os.getloadavg()),
            "platform": platform.platform(),
        },
        "versions": versions,
    }


def sandbox_overhead(quick: bool) -> dict[str, Any]:
    """Per-request milliseconds of the Salesforce sandbox itself (bench/bench_sandbox_overhead.py)."""
    from bench.bench_sandbox_overhead import measure

    try:
        return measure(accounts=50, repeat=20) if quick else measure()
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}


def wanted_modules(only: set[str] | None, modules: dict[str, tuple[str, ...]]) -> list[str]:
    """The modules feeding at least one of the wanted P ids (all when `only` is None)."""
    return [name for name, ids in modules.items() if only is None or set(ids) & only]


def collect(
    quick: bool, only: set[str] | None, modules: dict[str, tuple[str, ...]], say: Callable[[str], None]
) -> tuple[list[Figure], list[str]]:
    """Figures of every wanted module; modules that cannot give them are named, not fatal."""
    found: list[Figure] = []
    missing: list[str] = []
    for name in wanted_modules(only, modules):
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            missing.append(f"{name}: not importable ({error})")
            continue
        figures = getattr(module, "figures", None)
        if figures is None:
            missing.append(f"{name}: has no figures() yet")
            continue
        say(f"running {name} …")
        started = time.perf_counter()
        try:
            produced = figures(quick)
        except Exception:
            missing.append(f"{name}: failed\n{traceback.format_exc(limit=3)}")
            continue
        say(f"  {name}: {len(produced)} figures in {time.perf_counter() - started:.0f} s")
        found += [f for f in produced if only is None or f.id.split(".")[0] in only]
    return found, missing


def table(figures: Sequence[Figure]) -> Table:
    """The Rich table: one row per figure."""
    out = Table(title="crm-credit benchmarks (issue 9)")
    for column in ("id", "name", "value", "unit", "goal", "ratio", "met"):
        out.add_column(column, justify="right" if column in ("value", "goal", "ratio") else "left")
    for f in figures:
        goal = "—" if f.goal is None else f"{'≤' if f.lower_is_better else '≥'} {f.goal:g}"
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}"
        met = {True: "[green]yes[/]", False: "[red]NO[/]", None: "—"}[f.met]
        out.add_row(f.id, f.name, f"{f.value:,.3g}" if abs(f.value) < 1000 else f"{f.value:,.0f}", f.unit, goal,
                    ratio, met)  # fmt: skip
    return out


def header(console: Console, env: dict[str, Any], overhead: dict[str, Any]) -> None:
    """Machine, versions and the sandbox's own per-request cost."""
    m = env["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average"])
    console.print(f"machine: {m['cpus']} CPUs, {m['cpu_model']}, {m['platform']}; load average at start {load}")
    console.print("versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()), soft_wrap=True)
    if "error" in overhead:
        console.print(f"sandbox per-request overhead: not measured ({overhead['error']})")
        return
    console.print("Salesforce sandbox per-request overhead (median / p95 ms, keep-alive HTTPS on loopback):")
    for name, f in overhead.items():
        console.print(f"  {name:<44} {f['median_ms']:7.2f} / {f['p95_ms']:7.2f}")


def main(argv: list[str] | None = None, modules: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Run, print, write JSON; return the JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not the goal figures")
    parser.add_argument("--only", help="comma-separated P ids, e.g. P1,P5")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    only = {p.strip().upper() for p in args.only.split(",") if p.strip()} if args.only else None
    console = Console() if sys.stdout.isatty() else Console(width=150)  # a log file keeps whole rows
    env = environment()
    overhead = sandbox_overhead(args.quick)
    header(console, env, overhead)
    figures, missing = collect(args.quick, only, modules or MODULES, lambda text: console.print(text, style="dim"))
    console.print(table(figures))
    for note in missing:
        console.print(f"[yellow]missing[/]: {note}", markup=True, highlight=False)
    not_met = [f for f in figures if f.met is False]
    if not_met:
        console.print("Goals not met:")
        for f in not_met:
            console.print(f"  {f.id} {f.name}: {f.value:,.3g} {f.unit} vs goal {f.goal:g} ({f.ratio or 0:.2f}×)")
    document = {
        **env,
        "load_average_end": list(os.getloadavg()),
        "quick": args.quick,
        "sandbox_overhead_ms": overhead,
        "figures": [f.as_json() for f in figures],
        "missing": missing,
        "not_met": [f.id for f in not_met],
    }
    if args.json:
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return document


if __name__ == "__main__":
    main(sys.argv[1:])
