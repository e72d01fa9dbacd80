"""Wall time of `crm-credit demo` as a new user runs it (issue 7: at most 60 s on the 2-core machine).

Runs the demo in a fresh process (imports included) in a temporary folder and prints the wall time,
the demo's own step timings and the machine's load average, which moves the figure on a shared box.

    python -m bench.bench_demo [--runs 1] [--accounts 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 60.0


def run_once(accounts: int) -> tuple[float, dict[str, float], int]:
    """One demo run: (wall seconds, step timings, exit code)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cli.main", "--json", "demo", "--accounts", str(accounts)],
                              cwd=folder, env=env, capture_output=True, text=True, check=False)  # fmt: skip
        wall = time.perf_counter() - started
    timings = json.loads(done.stdout)["timings_s"] if done.returncode == 0 else {}
    return wall, timings, done.returncode


def main() -> None:
    """Print one line per run and the worst wall time against the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=2000)
    args = parser.parse_args()
    walls = []
    for n in range(args.runs):
        load = os.getloadavg()[0]
        wall, timings, code = run_once(args.accounts)
        walls.append(wall)
        steps = " · ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        print(f"run {n + 1}: exit {code}, wall {wall:.1f} s (load average {load:.1f} before) — {steps}")
    worst = max(walls)
    print(f"demo wall time: worst {worst:.1f} s of {args.runs} run(s); goal <= {GOAL_S:.0f} s: "
          f"{'met' if worst <= GOAL_S else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
