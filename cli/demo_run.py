"""`crm-credit demo`, step by step: sandboxes, config, setup-fields, full sync, summary, a live change, report.

Everything lives in a temporary folder (config, store, queue, certificates) that is removed at the
end unless `--keep-running` leaves the sandboxes and the receiver up for a look around.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit
from rich.console import Console

from cli.demo_progress import SyncProgress
from cli.demo_receiver import Receiver, free_port, start_receiver
from cli.demo_requests import SALES_USER, approvers, run_requests
from cli.demo_sources import DemoSource, connector_available, start_fxiaoke, start_salesforce, start_zoho
from cli.summary import print_summary
from connectors.writeback_specs import specs_for
from sync.config import AppConfig, load_config
from sync.engine import SyncEngine, SyncReport
from sync.portfolio import PortfolioReport, portfolio_report
from sync.store import Store
from webhooks.report.html import render_report

DEMO_USER = "demo@example.com"


def receiver_available() -> bool:
    """Whether this build has `crm-credit serve` (the webhook receiver)."""
    return importlib.util.find_spec("webhooks.app") is not None


@dataclass
class DemoOptions:
    """What the command line asked for."""

    accounts: int = 2000
    seed: int = 7
    keep_running: bool = False
    report_path: Path = Path("crm-credit-report.html")
    bars: bool = True


@dataclass
class DemoResult:
    """What the demo did, for the final lines (or --json)."""

    folder: Path
    config_path: Path
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    sync: dict[str, Any] = field(default_factory=dict)
    report: PortfolioReport | None = None
    change: dict[str, Any] | None = None
    requests: dict[str, Any] | None = None
    report_path: Path | None = None
    receiver_url: str | None = None
    token: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class Demo:
    """One run of the demo; `close()` stops whatever it started."""

    def __init__(self, options: DemoOptions, out: Console) -> None:
        self.options = options
        self.out = out
        self.folder = Path(tempfile.mkdtemp(prefix="crm-credit-demo-"))
        self.sources: list[DemoSource] = []
        self.receiver: Receiver | None = None
        self.store: Store | None = None
        self.config: AppConfig | None = None
        self.result = DemoResult(self.folder, self.folder / "crm-credit.toml", token=secrets.token_urlsafe(24))
        self._clock = time.perf_counter()

    def step(self, name: str, started: float) -> float:
        """Record how long a step took; return the time now."""
        now = time.perf_counter()
        self.result.timings[name] = round(now - started, 2)
        return now

    def say(self, text: str) -> None:
        """One progress line."""
        self.out.print(text, markup=False, soft_wrap=True)

    # ---- the steps -------------------------------------------------------------------------------

    def start_sources(self) -> None:
        """Start the sandbox orgs: Salesforce, and Zoho CRM when its connector is installed."""
        started = time.perf_counter()
        n = self.options.accounts
        self.sources.append(start_salesforce(n, self.options.seed, self.folder))
        if connector_available("zoho"):
            self.sources.append(start_zoho(max(1, n // 4), self.options.seed + 1, self.folder))
        if connector_available("fxiaoke"):
            # Fxiaoke writes one record per API call: a hundred customers at most keeps the demo quick.
            self.sources.append(start_fxiaoke(min(100, max(1, n // 20)), self.options.seed + 2, self.folder))
        for s in self.sources:
            counts = ", ".join(f"{count:,} {kind}s" for kind, count in s.totals.items())
            self.say(f"started a {s.label} sandbox on {s.box.url}: {counts}")
            self.result.sources[s.name] = {"kind": s.kind, "url": s.box.url, "records": s.totals}
        self.step("start sandboxes", started)

    def write_config(self, port: int) -> None:
        """A throw-away crm-credit.toml for these orgs, then load it as every command does."""
        document = tomlkit.document()
        document.add(tomlkit.comment("crm-credit demo: sandbox orgs on this machine (removed when the demo ends)"))
        document["store"] = {"url": "sqlite:///crm-credit.db"}
        document["queue"] = {"url": "sqlite:///crm-credit-queue.db"}
        document["webhooks"] = {"public_url": f"http://127.0.0.1:{port}"}
        document["users"] = {DEMO_USER: self.result.token, SALES_USER: secrets.token_urlsafe(24)}
        document["approvers"] = approvers(DEMO_USER)
        tables = {s.name: s.table for s in self.sources}
        salesforce = next((s for s in self.sources if s.kind == "salesforce"), None)
        if salesforce is not None:
            tables[salesforce.name] = {**salesforce.table, "organization_id": salesforce.box.org_id}
        document["sources"] = tables
        self.result.config_path.write_text(tomlkit.dumps(document), encoding="utf-8")
        self.config = load_config(self.result.config_path)
        self.store = Store.open(self.config.store.url)

    def setup_fields(self) -> None:
        """`crm-credit setup-fields` for every org: the credit fields on the account object."""
        started = time.perf_counter()
        assert self.config is not None and self.store is not None
        engine = SyncEngine(self.config, self.store)
        try:
            for s in self.sources:
                writeback = self.config.source(s.name).writeback
                outcomes = engine.connector(s.name).create_fields(specs_for(writeback)) if writeback else []
                created = sum(o.outcome == "created" for o in outcomes)
                there = sum(o.outcome == "exists" for o in outcomes)
                note = (
                    " (Fxiaoke's API cannot create fields: made in its console, as an admin does)"
                    if s.kind == "fxiaoke"
                    else ""
                )
                self.say(f"setup-fields {s.name}: {created} credit fields created, {there} already there on "
                         f"{s.objects['account']}{note}")  # fmt: skip
        finally:
            engine.close()
        self.step("setup-fields", started)

    def full_sync(self) -> SyncReport:
        """`crm-credit sync --full`: read everything, evaluate every account, write back."""
        started = time.perf_counter()
        assert self.config is not None and self.store is not None
        totals = {(s.name, kind): count for s in self.sources for kind, count in s.totals.items()}
        with SyncProgress(self.out, totals, enabled=self.options.bars) as progress:
            engine = SyncEngine(self.config, self.store, progress=progress.advance)
            try:
                report = engine.sync(full=True)
            finally:
                engine.close()
        read = sum(o.read for r in report.sources.values() for o in r.objects)
        written = sum(r.push.sent for r in report.sources.values() if r.push)
        evaluated = report.evaluation.evaluated if report.evaluation else 0
        self.result.sync = {"read": read, "evaluated": evaluated, "written": written,
                            "outcomes": {n: r.outcome for n, r in report.sources.items()}}  # fmt: skip
        for name, r in report.sources.items():
            if r.outcome != "ok":
                self.result.problems.append(f"sync {name}: {r.outcome} {r.message or ''}".strip())
        self.say(f"full sync: {read:,} records read · {evaluated:,} accounts evaluated · {written:,} written back "
                 f"({time.perf_counter() - started:.1f} s)")  # fmt: skip
        self.step("full sync", started)
        return report

    def summarize(self) -> PortfolioReport:
        """The portfolio as the store now holds it, printed as tables."""
        assert self.config is not None and self.store is not None
        report = portfolio_report(self.config, self.store, datetime.now(UTC))
        self.result.report = report
        print_summary(self.out, report)
        return report

    def limit_requests(self) -> None:
        """Requests read from the CRM, then one the policy grants and one that waits for the credit manager."""
        started = time.perf_counter()
        assert self.config is not None and self.store is not None
        salesforce = next(s for s in self.sources if s.kind == "salesforce")
        self.result.requests = run_requests(self.config, self.store, salesforce.name, self.say)
        if not self.result.requests["waiting"]:
            self.result.problems.append("too few customers with a limit to show the limit requests")
        self.step("limit requests", started)

    def live_change(self, port: int) -> None:
        """Start the receiver, change an invoice in Salesforce, and watch the account's record change."""
        from cli.demo_change import run_change

        started = time.perf_counter()
        assert self.config is not None and self.store is not None
        salesforce = next(s for s in self.sources if s.kind == "salesforce")
        self.receiver = start_receiver(self.config, self.store, port, self.result.config_path)
        self.result.receiver_url = self.receiver.url
        self.say(f"receiver (crm-credit serve, worker in-process) on {self.receiver.url}")
        self.result.change = run_change(self.config, self.store, salesforce, self.receiver.url, self.say, self.out)
        if not self.result.change.get("changed"):
            self.result.problems.append("the account's record did not change after the notification")
        self.step("notification round trip", started)

    def write_report(self) -> None:
        """The self-contained HTML report, after the change."""
        started = time.perf_counter()
        assert self.config is not None and self.store is not None
        report = portfolio_report(self.config, self.store, datetime.now(UTC))
        self.result.report = report
        path = self.options.report_path
        path.write_text(render_report(report), encoding="utf-8")
        self.result.report_path = path.resolve()
        self.say(f"wrote {path} (charts, tables, the 50 largest exposures with reasons and history)")
        self.step("report", started)

    def run(self, on_ready: Callable[[Demo], None] | None = None) -> DemoResult:
        """Every step in order; `on_ready` runs before closing (the --keep-running wait)."""
        port = free_port()
        self.start_sources()
        self.write_config(port)
        self.setup_fields()
        self.full_sync()
        self.summarize()
        self.limit_requests()
        if receiver_available():
            self.live_change(port)
        else:
            self.say("(this build has no webhook receiver yet: the live notification step is skipped)")
        self.write_report()
        self.result.timings["total"] = round(time.perf_counter() - self._clock, 2)
        if on_ready is not None:
            on_ready(self)
        return self.result

    def close(self) -> None:
        """Stop the receiver and the sandboxes, close the store, remove the temporary folder."""
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        for s in self.sources:
            s.stop()
        self.sources.clear()
        if self.store is not None:
            self.store.close()
            self.store = None
        shutil.rmtree(self.folder, ignore_errors=True)
