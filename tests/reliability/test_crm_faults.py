"""CRM faults from the Salesforce and Zoho sandboxes, through the real clients over HTTPS: each is survived
(or stops the run cleanly and the next run resumes), classified, and shown by `crm-credit status --json`.

Retries never really wait here: the engine's `sleep` records the waits instead, so a test can see that a
`Retry-After` was honoured.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import ConfigError
from sandbox.faults import Fault
from sync.config import load_config
from sync.engine import SyncEngine, SyncReport
from sync.pull import Progress
from sync.store import Store
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.conftest import SOURCE, StoreTarget, cli, status_json, write_config

Harness = SalesforceHarness | ZohoHarness
ACCOUNTS = 6
DATA_PATH = {"salesforce": "/services/data/", "zoho": "/crm/v8/"}  # API calls, not the login
WRITE_CALL = {"salesforce": ("PATCH", "/composite/sobjects"), "zoho": ("PUT", "/crm/v8/Accounts")}
ATTEMPTS = 5  # RetryPolicy's default: a burst this long outlasts the retries
READ_TIMEOUT_S = 1.0  # generous for a loopback sandbox, short enough for a test to wait out


def fault(kind: str, crm: str, times: int) -> Fault:
    """`times` API reads answered with one kind of fault."""
    path = DATA_PATH[crm]
    faults = {
        "429": Fault(429, times, path),
        "429 Retry-After": Fault(429, times, path, retry_after=2),
        "503": Fault(503, times, path),
        "503 Retry-After": Fault(503, times, path, retry_after=2),
        "timeout": Fault(0, times, path, method="GET", delay_s=READ_TIMEOUT_S * 2),
        "reset": Fault(0, times, path, method="GET", drop=True),
    }
    return faults[kind]


CAUSE = {"429": "429", "429 Retry-After": "429", "503": "503", "503 Retry-After": "503",
         "timeout": "timeout", "reset": "connection"}  # fmt: skip


@pytest.fixture(params=["salesforce", "zoho"])
def crm(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A started sandbox org of each CRM, credit fields installed."""
    harness = SalesforceHarness(ACCOUNTS) if request.param == "salesforce" else ZohoHarness(ACCOUNTS)
    try:
        yield harness
    finally:
        harness.close()


class Runs:
    """`crm-credit sync` runs over one org and one store, configured by a file `status` reads too."""

    def __init__(self, crm: Harness, folder: Path, store_url: str) -> None:
        self.crm = crm
        table = {**crm.source_table(), "read_timeout_s": READ_TIMEOUT_S}
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
        grade = next(name for name in self.crm.writeback_fields if "Grade" in name)
        return [i for i in self.crm.live_ids("account") if self.crm.written(i)[grade] in (None, "")]

    def close(self) -> None:
        """Release the store."""
        self.store.close()


@pytest.fixture
def runs(crm: Harness, tmp_path: Path) -> Iterator[Runs]:
    """Sync runs over this org and a SQLite store."""
    opened = Runs(crm, tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize("kind", list(CAUSE))
def test_a_fault_burst_the_retries_absorb_leaves_the_run_ok_and_shows_in_status(
    crm: Harness, runs: Runs, kind: str
) -> None:
    crm.box.faults.add(fault(kind, crm.kind, times=2))
    report = runs.sync()
    assert not report.problems, report.sources[SOURCE].message
    shown = runs.last_run()
    assert shown["outcome"] == "ok" and shown["error"] is None
    assert shown["retries"] == {CAUSE[kind]: 2}
    if "Retry-After" in kind:
        assert runs.waits.count(2.0) == 2, runs.waits  # the CRM's own delay, not our backoff
    assert runs.unwritten() == []


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("429", "RateLimited"),
        ("reset", "TransientError"),
        pytest.param("503", "TransientError", marks=pytest.mark.slow),
        pytest.param("timeout", "TransientError", marks=pytest.mark.slow),
    ],
)
def test_a_fault_burst_longer_than_the_retries_fails_the_run_classified_and_the_next_run_resumes(
    crm: Harness, store_target: StoreTarget, tmp_path: Path, kind: str, error: str
) -> None:
    runs = Runs(crm, tmp_path, store_target.url)  # on each store backend: the run log is what `status` reads
    try:
        crm.box.faults.add(fault(kind, crm.kind, times=ATTEMPTS))
        failed = runs.sync()
        assert failed.sources[SOURCE].outcome == "failed"
        shown = runs.last_run()
        assert shown["outcome"] == "failed"
        assert shown["error"] == {"class": error, "action": "retry", "fault": "transient"}
        assert shown["retries"] == {CAUSE[kind]: ATTEMPTS - 1}
        table = cli(runs.config_path, "status").output  # what a person reads
        assert f"{SOURCE}: {error} (retry, transient): " in table
        assert not runs.sync().problems
        assert runs.last_run()["outcome"] == "ok" and runs.unwritten() == []
    finally:
        runs.close()


def test_a_connection_reset_after_the_crm_applied_a_write_is_retried_once_and_the_values_land(
    crm: Harness, runs: Runs
) -> None:
    method, path = WRITE_CALL[crm.kind]
    crm.box.faults.add(Fault(0, 1, path, method=method, drop=True))
    report = runs.sync()
    assert not report.problems, report.sources[SOURCE].message
    # The answer was lost, so the outcome was unknown: the one replay is the only value sent twice.
    assert crm.write_calls() == 2
    assert runs.last_run()["retries"] == {"connection": 1}
    assert runs.unwritten() == []


def test_a_session_or_access_token_revoked_mid_run_is_renewed_and_shown(crm: Harness, runs: Runs) -> None:
    expired: list[str] = []

    def expire_once(source: str, kind: str, read: int) -> None:
        if not expired:
            crm.expire_auth()  # every session or access token the connector holds stops working
            expired.append(kind)

    report = runs.sync(progress=expire_once)
    assert expired and not report.problems, report.sources[SOURCE].message
    shown = runs.last_run()
    assert shown["outcome"] == "ok" and shown["retries"] == {"session": 1}
    assert runs.unwritten() == []


def test_revoked_credentials_stop_the_run_as_a_config_error_shown_in_status(crm: Harness, runs: Runs) -> None:
    assert not runs.sync().problems
    if isinstance(crm, SalesforceHarness):
        crm.box.expire_sessions()
        crm.box.set_credentials(password="changed-by-an-admin")
    else:
        crm.box.revoke_token(refresh=True)
    with pytest.raises(ConfigError):
        runs.sync()
    shown = runs.last_run()
    assert shown["outcome"] == "failed"
    assert shown["error"] == {"class": "AuthFailed", "action": "stop", "fault": "config"}


def test_our_share_of_the_daily_limit_running_out_mid_run_stops_cleanly_and_the_next_day_resumes(
    crm: Harness, runs: Runs
) -> None:
    crm.leave_calls(3)
    stopped = runs.sync()
    assert stopped.sources[SOURCE].outcome == "budget_stop"
    shown = runs.last_run()
    assert shown["outcome"] == "budget_stop"
    assert shown["error"]["class"] in ("QuotaExhausted", "BudgetExhausted") and shown["error"]["action"] == "stop"
    crm.lift_budget()
    assert not runs.sync().problems
    assert runs.last_run()["outcome"] == "ok" and runs.unwritten() == []


def _use_up_the_day(crm: Harness) -> None:
    """Other integrations use up the org's whole daily allowance."""
    if isinstance(crm, SalesforceHarness):
        crm.box.set_api_limit(crm.box.api_usage[1], used=crm.box.api_usage[1])
    else:
        crm.box.set_limits(credits=crm.box.credits_used)


def test_the_orgs_own_daily_limit_used_up_mid_run_stops_cleanly_and_the_next_day_resumes(
    crm: Harness, runs: Runs
) -> None:
    used_up: list[str] = []

    def use_up_once(source: str, kind: str, read: int) -> None:
        if not used_up:
            _use_up_the_day(crm)
            used_up.append(kind)

    stopped = runs.sync(progress=use_up_once)
    assert used_up and stopped.sources[SOURCE].outcome == "budget_stop"
    shown = runs.last_run()
    assert shown["outcome"] == "budget_stop"
    assert shown["error"] == {"class": "QuotaExhausted", "action": "stop", "fault": "transient"}
    crm.lift_budget()
    assert not runs.sync().problems
    assert runs.last_run()["outcome"] == "ok" and runs.unwritten() == []


def test_a_record_the_crm_refuses_fails_alone_and_shows_in_status(crm: Harness, runs: Runs) -> None:
    refused = crm.live_ids("account")[0]
    crm.reject_next_write(refused, "Credit fields are locked during the audit")
    report = runs.sync()
    assert report.sources[SOURCE].outcome == "problems"
    shown = status_json(runs.config_path)
    assert shown["last_run"]["outcome"] == "problems"
    assert shown["outbox"]["rejected"] == 1 and shown["outbox"]["sent"] == len(crm.live_ids("account")) - 1
    assert runs.unwritten() == [refused]
    writes = crm.write_calls()
    runs.push_later(minutes=60 * 24)
    assert crm.write_calls() == writes, "refused values were sent again"
    assert status_json(runs.config_path)["outbox"]["rejected"] == 1


def _lock(crm: Harness, account_id: str) -> None:
    """Another transaction holds the account while our write arrives: a per-record, transient failure."""
    if isinstance(crm, SalesforceHarness):
        crm.box.reject_next_write(account_id, "Account", code="UNABLE_TO_LOCK_ROW", message="unable to lock row")
    else:
        crm.box.reject("Accounts", ids=[account_id], code="RECORD_LOCKED", message="record is locked", times=1)


def test_a_record_the_crm_locks_fails_alone_and_is_written_when_its_retry_is_due(crm: Harness, runs: Runs) -> None:
    locked = crm.live_ids("account")[0]
    _lock(crm, locked)
    assert runs.sync().sources[SOURCE].outcome == "problems"
    outbox = status_json(runs.config_path)["outbox"]
    assert outbox["failed"] == 1 and outbox["sent"] == len(crm.live_ids("account")) - 1
    assert runs.unwritten() == [locked]
    runs.push_later(minutes=2)  # the first retry waits a minute
    outbox = status_json(runs.config_path)["outbox"]
    assert outbox["failed"] == 0 and outbox["sent"] == len(crm.live_ids("account"))
    assert runs.unwritten() == []
