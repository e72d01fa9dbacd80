"""What the CRM fault tests drive: a sandbox org of each CRM, its faults as that CRM's wire speaks them,
and `crm-credit sync` runs over it whose waits are recorded instead of slept.

Salesforce and Zoho answer faults with HTTP statuses; Fxiaoke answers everything with HTTP 200 and an
`errorCode` (a rate limit is 14001) except when the load balancer in front of its gateway fails (a
bare 5xx), and every Fxiaoke call is a POST, which the transport retries only for 429 / 503: its
client retries the rest, so a burst must outlast both to fail a Fxiaoke run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.fxiaoke.client import ATTEMPTS as FXIAOKE_ATTEMPTS
from connectors.http import RetryPolicy
from sandbox.faults import Fault, FaultPlan
from sync.config import load_config
from sync.engine import SyncEngine, SyncReport
from sync.pull import Progress
from sync.store import Store
from sync.store.schema import api_usage
from sync.store.usage import StoreUsageLedger
from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.conftest import SOURCE, status_json, write_config

Harness = SalesforceHarness | ZohoHarness | FxiaokeHarness
HARNESSES: dict[str, type[Harness]] = {"salesforce": SalesforceHarness, "zoho": ZohoHarness, "fxiaoke": FxiaokeHarness}
DATA_PATH = {"salesforce": "/services/data/", "zoho": "/crm/v8/", "fxiaoke": "/cgi/crm/"}  # API calls, not the login
READ_METHOD = {"salesforce": "GET", "zoho": "GET", "fxiaoke": "POST"}  # Fxiaoke reads are POSTs too
WRITE_CALL = {
    "salesforce": ("PATCH", "/composite/sobjects"),
    "zoho": ("PUT", "/crm/v8/Accounts"),
    "fxiaoke": ("POST", "/data/update"),
}
ATTEMPTS = RetryPolicy().attempts  # the transport's: a burst this long outlasts the retries
READ_TIMEOUT_S = 1.0  # generous for a loopback sandbox, short enough for a test to wait out
CAUSE = {"429": "429", "429 Retry-After": "429", "503": "503", "503 Retry-After": "503",
         "timeout": "timeout", "reset": "connection"}  # fmt: skip
# Faults Fxiaoke's wire cannot carry: the test names why instead of passing vacuously.
NO_FXIAOKE_EQUIVALENT = {
    "429 Retry-After": "Fxiaoke throttles with errorCode 14001 inside an HTTP 200 and sends no rate-limit headers",
    "503 Retry-After": "Fxiaoke documents no Retry-After anywhere; its only 5xx come from the load balancer in front "
    "of its gateway",
}


def sandbox_faults(crm: Harness) -> FaultPlan:
    """The sandbox's fault plan."""
    return crm.fx.faults if isinstance(crm, FxiaokeHarness) else crm.box.faults


def fault(kind: str, crm: str, times: int) -> Fault:
    """`times` API reads answered with one kind of fault (Fxiaoke's 429 becomes errorCode 14001)."""
    path, method = DATA_PATH[crm], READ_METHOD[crm]
    faults = {
        "429": Fault(429, times, path),
        "429 Retry-After": Fault(429, times, path, retry_after=2),
        "503": Fault(503, times, path),
        "503 Retry-After": Fault(503, times, path, retry_after=2),
        "timeout": Fault(0, times, path, method=method, delay_s=READ_TIMEOUT_S * 2),
        "reset": Fault(0, times, path, method=method, drop=True),
    }
    return faults[kind]


def cause(kind: str, crm: str) -> str:
    """How `status` names the retries of this fault: Fxiaoke's rate limit by its errorCode."""
    return "14001" if crm == "fxiaoke" and kind == "429" else CAUSE[kind]


def burst_outlasting_retries(kind: str, crm: str) -> int:
    """Faulted attempts that exhaust every retry of one read (Fxiaoke: its client's times the transport's)."""
    if crm != "fxiaoke":
        return ATTEMPTS
    return FXIAOKE_ATTEMPTS * (ATTEMPTS if kind == "503" else 1)


class Runs:
    """`crm-credit sync` runs over one org and one store, configured by a file `status` reads too."""

    def __init__(self, crm: Harness, folder: Path, store_url: str, **settings: Any) -> None:
        self.crm = crm
        table = {**crm.source_table(), "read_timeout_s": READ_TIMEOUT_S, **settings}
        self.table = table
        self.config_path = write_config(folder / "crm-credit.toml", store_url, table)
        self.config = load_config(self.config_path)
        self.store = Store.open(self.config.store.url)
        self.waits: list[float] = []

    def sync(self, progress: Progress | None = None) -> SyncReport:
        """One sync with a fresh engine, as a new process would run it."""
        engine = SyncEngine(self.config, self.store, sleep=self.waits.append, progress=progress)
        try:
            return engine.sync()
        finally:
            engine.close()

    def push_later(self, minutes: int) -> None:
        """`crm-credit push`, run `minutes` from now (when backed-off writes are due again)."""
        later = datetime.now(UTC) + timedelta(minutes=minutes)
        engine = SyncEngine(self.config, self.store, clock=lambda: later, sleep=self.waits.append)
        try:
            engine.push()
        finally:
            engine.close()

    def last_run(self) -> dict[str, Any]:
        """`status --json`: the source's last run."""
        shown: dict[str, Any] = status_json(self.config_path)["last_run"]
        return shown

    def unwritten(self) -> list[str]:
        """Accounts whose credit grade the CRM does not hold yet."""
        grade = self.table["writeback"]["fields"]["grade"]
        return [i for i in self.crm.live_ids("account") if self.crm.written(i)[grade] in (None, "")]

    def spend_our_share_but(self, calls: int) -> None:
        """Our ledger holds all but `calls` of our share of the day (Fxiaoke reports no usage to read)."""
        budget = int(self.table["api_daily_limit"] * self.table["api_budget_share"])
        StoreUsageLedger(self.store.engine).record_calls(SOURCE, budget - calls, datetime.now(UTC))

    def a_day_passes_for_the_ledger(self) -> None:
        """A day on, every call in our ledger has left its rolling 24 h (as if pruned)."""
        with self.store.engine.begin() as conn:
            conn.execute(sa.delete(api_usage).where(api_usage.c.source == SOURCE))

    def close(self) -> None:
        """Release the store."""
        self.store.close()


def use_up_the_day(crm: Harness) -> None:
    """Other integrations use up the org's whole daily allowance."""
    if isinstance(crm, SalesforceHarness):
        crm.box.set_api_limit(crm.box.api_usage[1], used=crm.box.api_usage[1])
    elif isinstance(crm, ZohoHarness):
        crm.box.set_limits(credits=crm.box.credits_used)
    else:
        crm.fx.quota.limit = crm.fx.quota.used  # the next call answers 30002


def revoke_credentials(crm: Harness) -> None:
    """An admin ends our sessions and changes what we log in with."""
    if isinstance(crm, SalesforceHarness):
        crm.box.expire_sessions()
        crm.box.set_credentials(password="changed-by-an-admin")
    elif isinstance(crm, ZohoHarness):
        crm.box.revoke_token(refresh=True)
    else:
        crm.fx.expire_tokens()
        crm.fx.reset_app_secret("reset-by-an-admin")
