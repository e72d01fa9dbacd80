"""Webhook-triggered recalculation (issue 6): notification → CRM write-back latency, and backlog drain.

The Salesforce sandbox runs in a child process (HTTPS on loopback) and logs when each credit write
reaches an account; `crm-credit serve` and `crm-credit worker` run as real CLI processes.

  latency  For `--seconds` (60), `--rate` (200) times a second: an invoice balance is changed in the
           CRM, then a signed generic notification names it. Each account is notified at most once
           every few seconds (as many accounts as needed), its balance moving by at least half the
           invoice, so every notification must end in a write-back of that account. Latency = the
           write reaching the CRM minus the notification being sent. Goal p50 ≤ 50 ms, p99 ≤ 250 ms,
           nothing lost (every notification written back; a later full sync finds nothing to write).
  drain    A backlog of `--notifications` invoice changes is queued (PostgreSQL + Redis) with the CRM
           answering each call `--latency-ms` (50) late, as a remote CRM would; then 1, and separately
           2, `crm-credit worker` processes drain it (`--repeat` pairs; the median counts). Goal: 2 workers
           ≥ 1.8× as fast as 1.

    python -m bench.bench_webhooks latency [--rate 200 --seconds 60 --backend sqlite|pg+redis]
    python -m bench.bench_webhooks drain [--notifications 2000 --latency-ms 50 --repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.figures import Figure
from bench.webhooks_load import send_load
from bench.webhooks_rig import (
    SOURCE,
    Crm,
    backend,
    cli,
    first_sync,
    free_port,
    leftover_writes,
    wait_healthy,
    write_config,
)
from sync.config import load_config
from sync.queue import JobQueue
from sync.status import recalculations
from sync.store import Store
from sync.store.schema import runs

# ---- latency -------------------------------------------------------------------------------------


def match(sent: list[tuple[float, str]], writes: list[tuple[float, str]]) -> tuple[list[float], int]:
    """Latency of each notification: the first write of its account after it was sent (notifications
    merged into one recalculation share that write); and how many no write followed at all."""
    by_account: dict[str, list[float]] = defaultdict(list)
    for at, account in writes:
        by_account[account].append(at)
    latencies: list[float] = []
    lost = 0
    for at, account in sent:
        later = [w for w in by_account[account] if w >= at]
        if later:
            latencies.append(min(later) - at)
        else:
            lost += 1
    return latencies, lost


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def latency(args: argparse.Namespace) -> dict[str, Any]:
    """Run the latency scenario and print its figures."""
    folder = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    accounts_needed = int(args.rate * args.min_gap_s)
    crm = Crm(accounts=accounts_needed * 7, folder=folder)  # ~1 in 6 is a usable target
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with backend(args.backend, folder) as (store_url, queue_url):
            config = write_config(folder, crm.table, store_url, queue_url)
            first_sync(config)
            # Only accounts with credit available: moving an invoice's balance changes what we write back
            # there, while an account at zero available credit may rightly see no write at all.
            available = crm.call("available")
            targets = [t for t in crm.targets if t[0] in available]
            assert len(targets) >= accounts_needed, f"only {len(targets)} usable accounts for {accounts_needed}"
            crm.targets = targets[:accounts_needed]
            port = free_port()
            if args.backend == "sqlite":
                processes.append(cli(config, "serve", "--port", str(port), "--threads", str(args.threads)))
            else:
                processes.append(cli(config, "serve", "--port", str(port), "--no-worker"))
                threads = ("--threads", str(args.worker_threads))
                processes += [cli(config, "worker", *threads) for _ in range(args.workers)]
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url)
            workers = (f"serve with {args.threads} worker threads" if args.backend == "sqlite"
                       else f"{args.workers} worker processes × {args.worker_threads} threads")  # fmt: skip
            gap = len(crm.targets) / args.rate
            print(f"latency: {args.rate:.0f}/s for {args.seconds:.0f} s over {len(crm.targets)} accounts "
                  f"({args.backend}, {workers}), each account notified every {gap:.1f} s")  # fmt: skip
            load_before = os.getloadavg()
            cpu_before = _cpu_now(processes, crm)
            sent = send_load(crm, url, args.rate, args.seconds)
            load_during = os.getloadavg()
            cpu = {name: _cpu_now(processes, crm)[name] - spent for name, spent in cpu_before.items()}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                latencies, lost = match(sent, crm.call("writes"))
                if not lost:
                    break
                time.sleep(0.5)
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
            processes.clear()
            extra = leftover_writes(config)
            settings = load_config(config)
            store = Store.open(settings.store.url)
            counts = recalculations(store)
            store.close()
    finally:
        for process in processes:
            process.terminate()
        crm.close()
    latencies = latencies or [float("inf")]
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    result = {
        "backend": args.backend,
        "workers": workers,
        "rate": args.rate,
        "seconds": args.seconds,
        "notifications": len(sent),
        "written_back": len(latencies),
        "lost": lost,
        "p50_ms": round(p50, 1),
        "p90_ms": round(percentile(latencies, 90) * 1000, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1),
        "recalculations": sum(counts.values()),
        "left_for_a_full_sync": extra,
        "load_average": _load(load_before, load_during),
        "cpu_s": {name: round(seconds, 1) for name, seconds in cpu.items()},
    }
    print(f"  p50 {p50:.1f} ms (goal ≤ 50) · p90 {result['p90_ms']} ms · p99 {p99:.1f} ms (goal ≤ 250) · "
          f"max {result['max_ms']} ms")  # fmt: skip
    print(f"  written back {len(latencies)}/{len(sent)} · lost {lost} (goal 0) · "
          f"a full sync afterwards wrote {extra} (goal 0) · {result['recalculations']} recalculations")  # fmt: skip
    print(f"  load average (1 min) {result['load_average']} on {os.cpu_count()} cores; CPU seconds {result['cpu_s']}")
    return result


def _cpu_now(processes: list[subprocess.Popen[bytes]], crm: Crm) -> dict[str, float]:
    """CPU seconds used so far by serve, the worker processes, the CRM and this process (the sender)."""
    return {"serve": _cpu_seconds(processes[0].pid), "workers": sum(_cpu_seconds(p.pid) for p in processes[1:]),
            "crm": _cpu_seconds(crm.process.pid or 0), "sender": time.process_time()}  # fmt: skip


def _load(before: tuple[float, float, float], during: tuple[float, float, float]) -> str:
    """1-minute load averages before and at the end of a timed stretch (the machine is shared)."""
    return f"{before[0]:.1f} before, {during[0]:.1f} at the end"


# ---- drain ---------------------------------------------------------------------------------------


def drain_once(folder: Path, accounts: int, workers: int, notifications: int, latency_s: float) -> float:
    """Seconds `workers` worker processes take to drain a backlog of `notifications` invoice changes
    (each a different open invoice; accounts with several get several), on a fresh CRM."""
    crm = Crm(accounts=accounts, folder=folder)
    try:
        return _drain(crm, folder, workers, notifications, latency_s)
    finally:
        crm.close()


def _drain(crm: Crm, folder: Path, workers: int, notifications: int, latency_s: float) -> float:
    assert len(crm.invoices) >= notifications + workers, f"only {len(crm.invoices)} open invoices"
    with backend("pg+redis", folder) as (store_url, queue_url):
        config = write_config(folder, crm.table, store_url, queue_url)
        crm.call("latency", 0.0)
        first_sync(config)
        settings = load_config(config)
        jobs = JobQueue.open(settings.queue)
        jobs.huey.storage.flush_all()
        store = Store.open(settings.store.url)
        # The workers are up and idle before the backlog exists, as when a burst meets running workers, and
        # are held stopped while it is queued, so all of them start on it together: a worker still importing
        # when another began would count its start-up against the drain.
        processes = [cli(config, "worker", "--no-schedules") for _ in range(workers)]
        _settled(processes)
        _warm_up(jobs, crm, processes, notifications)
        with store.read() as conn:
            last_run = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(runs.c.id), 0))).scalar_one())
        for process in processes:
            process.send_signal(signal.SIGSTOP)
        changed = crm.invoices[:notifications]
        for _account, invoice_id, amount in changed:
            crm.call("update", invoice_id, str((Decimal(amount) / 2).quantize(Decimal("0.01"))))
            jobs.submit_changes(SOURCE, "invoice", [invoice_id])  # what serve's intake does
        print(f"  backlog: {jobs.pending()} fetch jobs for {len({a for a, _, _ in changed})} accounts")
        crm.call("latency", latency_s)
        started_cpu = sum(_cpu_seconds(process.pid) for process in processes)
        for process in processes:
            process.send_signal(signal.SIGCONT)
        try:
            while True:
                time.sleep(0.2)
                with store.read() as conn:
                    rows = conn.execute(
                        sa.select(sa.func.min(runs.c.started_at), sa.func.max(runs.c.finished_at),
                                  sa.func.count().filter(runs.c.outcome == "running")).where(runs.c.id > last_run)
                    ).one()  # fmt: skip
                if _idle(jobs) and rows[0] and rows[2] == 0:
                    time.sleep(0.5)  # a job taken a moment ago may not have logged its run yet
                    if _idle(jobs) and _running(store, last_run) == 0:
                        break
        finally:
            cpu = sum(_cpu_seconds(process.pid) for process in processes) - started_cpu
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
        crm.call("latency", 0.0)
        with store.read() as conn:
            first, last = conn.execute(
                sa.select(sa.func.min(runs.c.started_at), sa.func.max(runs.c.finished_at)).where(runs.c.id > last_run)
            ).one()
        counts = recalculations(store, after_run=last_run)
        store.close()
        jobs.huey.storage.flush_all()
        jobs.close()
        extra = leftover_writes(config)
    seconds = (_instant(last) - _instant(first)).total_seconds()
    print(f"  {workers} worker(s): drained {notifications} notifications in {seconds:.2f} s "
          f"({sum(counts.values())} recalculations; workers used {cpu:.1f} s CPU; "
          f"a full sync afterwards wrote {extra})")  # fmt: skip
    return seconds


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process used so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _warm_up(jobs: JobQueue, crm: Crm, processes: list[subprocess.Popen[bytes]], skip: int) -> None:
    """One change per worker, each taken by a different idle worker: a worker's first job logs in to the CRM
    and opens its connections, which a long-running worker has done long before a backlog forms."""
    for _account, invoice_id, amount in crm.invoices[skip : skip + len(processes)]:
        crm.call("update", invoice_id, str((Decimal(amount) / 3).quantize(Decimal("0.01"))))
        jobs.submit_changes(SOURCE, "invoice", [invoice_id])
        time.sleep(0.05)  # one job at a time, so each goes to a worker still waiting
    while not _idle(jobs):
        time.sleep(0.1)
    _settled(processes)  # includes more than the 1 s cool-down of the warmed-up accounts


def _settled(processes: list[subprocess.Popen[bytes]], quiet_s: float = 1.0, timeout_s: float = 60.0) -> None:
    """Until every process has used no CPU for `quiet_s` (started up, and waiting for jobs)."""
    deadline = time.monotonic() + timeout_s
    used = [_cpu_seconds(process.pid) for process in processes]
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = [_cpu_seconds(process.pid) for process in processes]
        if all(after - before < 0.05 for before, after in zip(used, now, strict=True)):
            return
        used = now
    raise RuntimeError("the worker processes did not settle")


def _idle(jobs: JobQueue) -> bool:
    return jobs.pending() == 0 and jobs.scheduled() == 0 and jobs.waiting_changes() == 0


def _instant(stamp: str) -> Any:
    from sync.store.codec import from_stamp

    return from_stamp(stamp)


def _running(store: Store, after: int) -> int:
    with store.read() as conn:
        query = sa.select(sa.func.count()).select_from(runs).where(runs.c.id > after, runs.c.outcome == "running")
        return int(conn.execute(query).scalar_one())


def drain(args: argparse.Namespace) -> dict[str, Any]:
    """Run the drain scenario with 1 and with 2 workers, `--repeat` times, and print the median speed-up.

    One pair of drains swings by a third on a machine other jobs share; the median of a few pairs, each
    run back to back under about the same load, says more.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-drain-"))
    print(f"drain: {args.notifications} invoice changes, PostgreSQL + Redis, CRM calls {args.latency_ms:.0f} ms late")
    pairs, loads = [], []
    for _ in range(args.repeat):
        before = os.getloadavg()
        one = drain_once(folder, args.accounts, 1, args.notifications, args.latency_ms / 1000)
        middle = os.getloadavg()
        two = drain_once(folder, args.accounts, 2, args.notifications, args.latency_ms / 1000)
        loads.append(f"1 worker: {_load(before, middle)}; 2 workers: {_load(middle, os.getloadavg())}")
        pairs.append((one, two))
        print(f"  speed-up with 2 workers: {one / two:.2f}× (goal ≥ 1.8×); load average (1 min) {loads[-1]}")
    speedups = [one / two for one, two in pairs]
    median = statistics.median(speedups)
    one, two = pairs[speedups.index(min(speedups, key=lambda x: abs(x - median)))]
    if args.repeat > 1:
        print(f"  median speed-up of {args.repeat} pairs: {median:.2f}× ({', '.join(f'{x:.2f}' for x in speedups)})")
    return {"notifications": args.notifications, "one_worker_s": round(one, 2), "two_workers_s": round(two, 2),
            "speedup": round(median, 2), "speedups": [round(x, 2) for x in speedups],
            "load_average": " | ".join(loads)}  # fmt: skip


def figures(quick: bool) -> list[Figure]:
    """P4 (latency at 200/s on loopback: SQLite with the worker inside serve, and PostgreSQL + Redis with two
    worker processes) and P6 (drain speed-up) for `bench.run_all`."""
    args = _parser().parse_args(["all", "--seconds", "10" if quick else "60", "--repeat", "1" if quick else "3",
                                 "--notifications", "1000" if quick else "2000"])  # fmt: skip
    found: list[Figure] = []
    for name, chosen in (("sqlite", "P4.sqlite"), ("pg+redis", "P4.pg")):
        args.backend = name
        found += _latency_figures(chosen, latency(args))
    drained = drain(args)
    found.append(
        Figure("P6.speedup", "backlog drain, 2 workers vs 1 (PostgreSQL + Redis, CRM 50 ms per call)",
               drained["speedup"], "×", goal=1.8, lower_is_better=False, ratio=drained["speedup"] / 1.8,
               note=f"{drained['notifications']} changes, median of {drained['speedups']}: 1 worker "
                    f"{drained['one_worker_s']} s, 2 workers {drained['two_workers_s']} s; load average "
                    f"{drained['load_average']}")
    )  # fmt: skip
    return found


def _latency_figures(prefix: str, lat: dict[str, Any]) -> list[Figure]:
    where = (f"{lat['rate']:.0f}/s for {lat['seconds']:.0f} s, {lat['backend']} ({lat['workers']}); "
             f"load average {lat['load_average']}")  # fmt: skip
    return [
        Figure(f"{prefix}.p50", f"notification → write-back latency, p50 ({lat['backend']})", lat["p50_ms"], "ms",
               goal=50, ratio=lat["p50_ms"] / 50, note=where),
        Figure(f"{prefix}.p99", f"notification → write-back latency, p99 ({lat['backend']})", lat["p99_ms"], "ms",
               goal=250, ratio=lat["p99_ms"] / 250, note=where),
        Figure(f"{prefix}.lost", f"notifications not written back within 60 s ({lat['backend']})", lat["lost"],
               "notifications", goal=0,
               note=f"{lat['written_back']}/{lat['notifications']} written back; a full sync afterwards wrote "
                    f"{lat['left_for_a_full_sync']}"),
    ]  # fmt: skip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=("latency", "drain", "all"))
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--min-gap-s", type=float, default=5.0, help="seconds between two notifications of an account")
    parser.add_argument("--backend", choices=("sqlite", "pg+redis"), default="sqlite")
    parser.add_argument("--threads", type=int, default=2, help="serve's in-process worker threads (sqlite)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (pg+redis)")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker process (pg+redis)")
    parser.add_argument("--notifications", type=int, default=2000)
    # 2,000 accounts hold ~2,200 open invoices: enough for the default backlog, one change each.
    parser.add_argument("--accounts", type=int, default=2000, help="sandbox accounts for the drain")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3, help="pairs of drains (the median speed-up is reported)")
    parser.add_argument("--json", action="store_true")
    return parser


def main() -> None:
    """Parse arguments and run the chosen scenario(s)."""
    args = _parser().parse_args()
    results: dict[str, Any] = {}
    if args.scenario in ("latency", "all"):
        results["latency"] = latency(args)
    if args.scenario in ("drain", "all"):
        results["drain"] = drain(args)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
