"""P1: the first sync of 100k accounts + ~1M invoices from the Salesforce sandbox, over real HTTPS.

The sandbox runs as `crm-credit sandbox salesforce` in its own process (its memory and CPU are not
ours); a second child process sets up the credit fields (an admin's step, not timed), then pulls
every object with the demo's mapping (`sync --full`), evaluates every account and plans the
write-backs (nothing is pushed). Wall time of pull + evaluate and that child's peak RSS are the figures.

    python -m bench.bench_initial_sync [--accounts 100000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.figures import Figure

SOURCE = "salesforce"
GOAL_S, GOAL_MB = 60.0, 400.0


@contextmanager
def sandbox_process(accounts: int, folder: Path) -> Iterator[dict[str, Any]]:
    """`crm-credit sandbox salesforce` in a child process; yields its announcement (URL, CA, credentials)."""
    command = [sys.executable, "-m", "cli.main", "--json", "sandbox", "salesforce", "--accounts", str(accounts),
               "--api-limit", "100000000", "--tls-dir", str(folder / "tls")]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        assert process.stdout is not None
        text = ""
        for line in process.stdout:  # one JSON document, indented over several lines
            text += line
            try:
                announced: dict[str, Any] = json.loads(text)
                break
            except json.JSONDecodeError:
                continue
        else:
            raise RuntimeError(f"the sandbox exited ({process.wait()}) before announcing itself")
        announced["seed_s"] = time.perf_counter() - started
        announced["pid"] = process.pid
        yield announced
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def source_table(announced: dict[str, Any]) -> dict[str, Any]:
    """The demo's Salesforce mapping for this sandbox (accounts, invoices, orders, payments, write-back)."""
    from cli.demo_sources import _salesforce_table

    box = SimpleNamespace(
        url=announced["url"],
        ca_pem=announced["ca_bundle"],
        credentials=SimpleNamespace(
            username=announced["username"], password=announced["password"],
            security_token=announced["security_token"],
        ),
    )  # fmt: skip
    return _salesforce_table(box)


def run_child(announced_file: Path, folder: Path) -> dict[str, Any]:
    """In the measured process: set up fields, then pull everything and evaluate; wall times and peak RSS."""
    from connectors.writeback_specs import specs_for
    from sync.config import AppConfig
    from sync.engine import SyncEngine
    from sync.store import Store

    announced = json.loads(announced_file.read_text())
    url = f"sqlite:///{folder / 'p1.db'}"
    config = AppConfig.model_validate({"store": {"url": url}, "sources": {SOURCE: source_table(announced)}})
    store = Store.open(url)
    engine = SyncEngine(config, store, sleep=lambda s: None)
    try:
        engine.connector(SOURCE).create_fields(specs_for(config.source(SOURCE).writeback))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        pulled = engine.pull_source(SOURCE, full=True)
        pull_s = time.perf_counter() - started
        evaluation = engine.evaluate()
        total_s = time.perf_counter() - started
    finally:
        engine.close()
        store.close()
    return {
        "pull_s": pull_s,
        "evaluate_s": total_s - pull_s,
        "total_s": total_s,
        "cpu_s": time.process_time(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_sync_mb": rss_before,
        "outcome": pulled.outcome,
        "read": {o.kind: o.read for o in pulled.objects},
        "stored": {o.kind: o.stored for o in pulled.objects},
        "evaluated": evaluation.evaluated,
        "planned": evaluation.planned,
        "errors": evaluation.errors,
    }


def measure(accounts: int) -> dict[str, Any]:
    """Sandbox process, then the measured child process."""
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(accounts, Path(tmp)) as announced:
        announced_file = Path(tmp) / "sandbox.json"
        announced_file.write_text(json.dumps(announced))
        command = [sys.executable, "-m", "bench.bench_initial_sync", "--child", str(announced_file), "--folder", tmp]
        load = os.getloadavg()
        child = subprocess.run(command, check=True, capture_output=True, text=True, cwd=Path(__file__).parents[1])
        result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
        result.update(sandbox_seed_s=announced["seed_s"], load_average_at_start=list(load))
    return result


def figures(quick: bool) -> list[Figure]:
    """P1 for bench.run_all: wall time and peak RSS (the goals are for 100k accounts)."""
    accounts = 1_000 if quick else 100_000
    r = measure(accounts)
    size = f"{accounts:,} accounts, {r['read'].get('invoice', 0):,} invoices, {sum(r['read'].values()):,} records"
    scale = accounts / 100_000
    note = (f"{size}; pull {r['pull_s']:.0f} s, evaluate + plan {r['evaluate_s']:.0f} s ({r['planned']:,} planned); "
            f"CPU {r['cpu_s']:.0f} s; load {r['load_average_at_start'][0]:.1f} at start")  # fmt: skip
    return [
        Figure("P1.wall", "initial sync: pull, evaluate, plan", r["total_s"], "s", GOAL_S * scale,
               ratio=r["total_s"] / (GOAL_S * scale), note=note),
        Figure("P1.rss", "initial sync: peak RSS", r["peak_rss_mb"], "MB", GOAL_MB,
               ratio=r["peak_rss_mb"] / GOAL_MB, note=f"{size}; the sandbox's memory is its own process's"),
    ]  # fmt: skip


def main() -> None:
    """Run and print (or, with --child, be the measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.folder)))
        return
    result = measure(args.accounts)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"sandbox seeded in {result['sandbox_seed_s']:.0f} s; read {result['read']}")
    print(f"pull {result['pull_s']:.1f} s + evaluate/plan {result['evaluate_s']:.1f} s = {result['total_s']:.1f} s "
          f"(goal {GOAL_S:g} s); peak RSS {result['peak_rss_mb']:.0f} MB (goal {GOAL_MB:g}); "
          f"outcome {result['outcome']}, evaluated {result['evaluated']:,}, planned {result['planned']:,}")  # fmt: skip


if __name__ == "__main__":
    main()
