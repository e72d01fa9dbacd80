"""The rig of the webhook benchmarks: the Salesforce sandbox in a child process (logging when each
credit write reaches an account), PostgreSQL + Redis or SQLite backends, and `crm-credit` processes."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
import tomlkit

from sync.config import load_config
from sync.engine import SyncEngine
from sync.store import Store

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("CRM_CREDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CRM_CREDIT_TEST_REDIS", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret"  # noqa: S105  a test secret
SOURCE = "sf"


# ---- the CRM, in a child process ---------------------------------------------------------------


def _targets(box: Any) -> list[tuple[str, str, str]]:
    """(account, invoice, amount) per stand-alone account with an unpaid open invoice of 1,000 or more.

    Stand-alone (no parent, no children): a group shares one lease and cool-down, and the bench
    measures one account's latency, not its siblings' queueing.
    """
    parents = {str(r["ParentId"]) for r in box.query("SELECT ParentId FROM Account WHERE ParentId != null")}
    alone = {str(r["Id"]) for r in box.query("SELECT Id FROM Account WHERE ParentId = null")} - parents
    chosen: dict[str, tuple[str, str, str]] = {}
    soql = "SELECT Id, Account__c, Amount__c, Balance__c FROM Invoice__c WHERE Status__c = 'Open' AND Amount__c >= 1000"
    for row in box.query(soql):
        account = str(row["Account__c"])
        # Unpaid in full: the bench moves the balance to half the amount and back, so each move is a change.
        if account in alone and account not in chosen and row["Balance__c"] == row["Amount__c"]:
            chosen[account] = (account, str(row["Id"]), str(row["Amount__c"]))
    return sorted(chosen.values())


def crm_process(conn: Connection, accounts: int, seed: int, folder: str) -> None:
    """Run the sandbox org until told to stop; log (time, account) of every write to an account."""
    from sandbox.salesforce import SalesforceSandbox
    from tests.connectors.contract.harness_salesforce import WRITEBACK, install_writeback_fields, source_table

    box = SalesforceSandbox(accounts=accounts, seed=seed, tls_dir=folder, api_limit=10_000_000).start()
    install_writeback_fields(box, WRITEBACK)
    writes: list[tuple[float, str]] = []

    def on_change(change: Any) -> None:
        if change.sobject == "Account" and change.kind == "update":
            writes.append((time.time(), change.record_id))

    box.org.listeners.append(on_change)
    rows = box.query("SELECT Id, Account__c, Amount__c FROM Invoice__c WHERE Status__c = 'Open' AND Balance__c > 0")
    invoices = [(str(r["Account__c"]), str(r["Id"]), str(r["Amount__c"])) for r in rows]
    conn.send({"table": source_table(box), "targets": _targets(box), "invoices": invoices})
    while True:
        command, *args = conn.recv()
        if command == "update":
            box.update_record("Invoice__c", args[0], {"Balance__c": Decimal(args[1])})
            conn.send(None)
        elif command == "latency":
            box.faults.latency_s = float(args[0])
            conn.send(None)
        elif command == "writes":
            conn.send(list(writes))
        elif command == "available":
            rows = box.query("SELECT Id, Available_Credit__c FROM Account WHERE Available_Credit__c > 0")
            conn.send({str(r["Id"]) for r in rows})
        elif command == "stop":
            box.stop()
            conn.send(None)
            return


class Crm:
    """The bench's handle on the CRM child process."""

    def __init__(self, accounts: int, folder: Path, seed: int = 21) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=crm_process, args=(child, accounts, seed, str(folder)), daemon=True)
        self.process.start()
        ready = self.conn.recv()
        self.table: dict[str, Any] = ready["table"]
        self.targets: list[tuple[str, str, str]] = ready["targets"]
        self.invoices: list[tuple[str, str, str]] = ready["invoices"]
        self._lock = threading.Lock()

    def call(self, *command: Any) -> Any:
        """One command to the child, answered in order."""
        with self._lock:
            self.conn.send(command)
            return self.conn.recv()

    def close(self) -> None:
        """Stop the sandbox and its process."""
        self.call("stop")
        self.process.join(timeout=10)


# ---- crm-credit processes ------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def backend(name: str, folder: Path) -> Iterator[tuple[str, str]]:
    """(store url, queue url): SQLite files, or a fresh PostgreSQL schema and a flushed Redis database."""
    if name == "sqlite":
        yield f"sqlite:///{folder / 'store.db'}", f"sqlite:///{folder / 'queue.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}", REDIS_URL
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def write_config(folder: Path, table: dict[str, Any], store_url: str, queue_url: str) -> Path:
    """crm-credit.toml for the bench source."""
    data = {
        "store": {"url": store_url},
        "queue": {"url": queue_url, "name": f"bench-{uuid.uuid4().hex[:10]}", "sync_interval_s": 86_400},
        "webhooks": {"secret": SECRET},
        "sources": {SOURCE: table},
    }
    path = folder / "crm-credit.toml"
    path.write_text(tomlkit.dumps(data))
    return path


def cli(config: Path, *args: str) -> subprocess.Popen[bytes]:
    """A `crm-credit` process."""
    command = [sys.executable, "-m", "cli.main", "--config", str(config), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_sync(config: Path) -> None:
    """`crm-credit sync` before any notification."""
    settings = load_config(config)
    store = Store.open(settings.store.url)
    engine = SyncEngine(settings, store)
    try:
        report = engine.sync()
        assert all(r.outcome == "ok" for r in report.sources.values()), report
    finally:
        engine.close()
        store.close()


def leftover_writes(config: Path) -> int:
    """Writes a full sync still finds to do (0 when every account already shows the right values)."""
    settings = load_config(config)
    store = Store.open(settings.store.url)
    engine = SyncEngine(settings, store)
    try:
        report = engine.sync(full=True)
        return sum(r.push.sent for r in report.sources.values() if r.push is not None)
    finally:
        engine.close()
        store.close()


def wait_healthy(url: str, timeout_s: float = 30.0) -> None:
    """Until `serve` answers /healthz."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("serve did not come up")
