"""CRM faults from the Salesforce, Zoho and Fxiaoke sandboxes, through the real clients over HTTPS: each is
survived (or stops the run cleanly and the next run resumes), classified, and shown by `crm-credit status
--json`. A fault Fxiaoke's wire cannot carry is skipped for it with the reason.

Retries never really wait here: the engine's `sleep` records the waits instead, so a test can see that a
`Retry-After` was honoured.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.errors import ConfigError
from sandbox.faults import Fault
from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.reliability.conftest import SOURCE, StoreTarget, cli, status_json
from tests.reliability.crm_runs import (
    CAUSE,
    HARNESSES,
    NO_FXIAOKE_EQUIVALENT,
    WRITE_CALL,
    Harness,
    Runs,
    burst_outlasting_retries,
    cause,
    fault,
    revoke_credentials,
    sandbox_faults,
    use_up_the_day,
)

ACCOUNTS = 6


@pytest.fixture(params=list(HARNESSES))
def crm(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A started sandbox org of each CRM, credit fields installed."""
    harness = HARNESSES[request.param](ACCOUNTS)
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def runs(crm: Harness, tmp_path: Path) -> Iterator[Runs]:
    """Sync runs over this org and a SQLite store."""
    opened = Runs(crm, tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    try:
        yield opened
    finally:
        opened.close()


def _skip_without_equivalent(crm: Harness, kind: str) -> None:
    if crm.kind == "fxiaoke" and kind in NO_FXIAOKE_EQUIVALENT:
        pytest.skip(NO_FXIAOKE_EQUIVALENT[kind])


@pytest.mark.parametrize("kind", list(CAUSE))
def test_a_fault_burst_the_retries_absorb_leaves_the_run_ok_and_shows_in_status(
    crm: Harness, runs: Runs, kind: str
) -> None:
    _skip_without_equivalent(crm, kind)
    sandbox_faults(crm).add(fault(kind, crm.kind, times=2))
    report = runs.sync()
    assert not report.problems, report.sources[SOURCE].message
    shown = runs.last_run()
    assert shown["outcome"] == "ok" and shown["error"] is None
    assert shown["retries"] == {cause(kind, crm.kind): 2}
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
        burst = burst_outlasting_retries(kind, crm.kind)
        sandbox_faults(crm).add(fault(kind, crm.kind, times=burst))
        failed = runs.sync()
        assert failed.sources[SOURCE].outcome == "failed"
        shown = runs.last_run()
        assert shown["outcome"] == "failed"
        assert shown["error"] == {"class": error, "action": "retry", "fault": "transient"}
        assert shown["retries"] == {cause(kind, crm.kind): burst - 1}
        table = cli(runs.config_path, "status").output  # what a person reads
        assert f"{SOURCE}: {error} (retry, transient): " in table
        assert not runs.sync().problems
        assert runs.last_run()["outcome"] == "ok" and runs.unwritten() == []
    finally:
        runs.close()


def test_a_connection_reset_after_the_crm_applied_a_write_is_retried_once_and_the_values_land(
    crm: Harness, runs: Runs
) -> None:
    if isinstance(crm, FxiaokeHarness):
        pytest.skip("data/update is a POST: a write of unknown outcome is never replayed blind (see the next test)")
    method, path = WRITE_CALL[crm.kind]
    sandbox_faults(crm).add(Fault(0, 1, path, method=method, drop=True))
    report = runs.sync()
    assert not report.problems, report.sources[SOURCE].message
    # The answer was lost, so the outcome was unknown: the one replay is the only value sent twice.
    assert crm.write_calls() == 2
    assert runs.last_run()["retries"] == {"connection": 1}
    assert runs.unwritten() == []


@pytest.mark.parametrize("crm", ["fxiaoke"], indirect=True)
def test_a_connection_reset_after_fxiaoke_applied_an_update_fails_that_record_until_its_retry_is_due(
    crm: Harness, runs: Runs
) -> None:
    method, path = WRITE_CALL[crm.kind]
    sandbox_faults(crm).add(Fault(0, 1, path, method=method, drop=True))
    assert runs.sync().sources[SOURCE].outcome == "problems"
    outbox = status_json(runs.config_path)["outbox"]
    assert outbox["failed"] == 1 and outbox["sent"] == len(crm.live_ids("account")) - 1
    assert crm.write_calls() == len(crm.live_ids("account"))  # not replayed within the run
    runs.push_later(minutes=2)  # the first retry waits a minute
    assert status_json(runs.config_path)["outbox"]["sent"] == len(crm.live_ids("account"))
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
    revoke_credentials(crm)
    with pytest.raises(ConfigError):
        runs.sync()
    shown = runs.last_run()
    assert shown["outcome"] == "failed"
    assert shown["error"] == {"class": "AuthFailed", "action": "stop", "fault": "config"}


def test_our_share_of_the_daily_limit_running_out_mid_run_stops_cleanly_and_the_next_day_resumes(
    crm: Harness, runs: Runs
) -> None:
    if isinstance(crm, FxiaokeHarness):
        runs.spend_our_share_but(3)  # Fxiaoke reports no usage: our ledger is what counts
    else:
        crm.leave_calls(3)
    stopped = runs.sync()
    assert stopped.sources[SOURCE].outcome == "budget_stop"
    shown = runs.last_run()
    assert shown["outcome"] == "budget_stop"
    assert shown["error"]["class"] in ("QuotaExhausted", "BudgetExhausted") and shown["error"]["action"] == "stop"
    if isinstance(crm, FxiaokeHarness):
        assert shown["error"]["class"] == "BudgetExhausted"
        runs.a_day_passes_for_the_ledger()
    else:
        crm.lift_budget()
    assert not runs.sync().problems
    assert runs.last_run()["outcome"] == "ok" and runs.unwritten() == []


def test_the_orgs_own_daily_limit_used_up_mid_run_stops_cleanly_and_the_next_day_resumes(
    crm: Harness, runs: Runs
) -> None:
    used_up: list[str] = []

    def use_up_once(source: str, kind: str, read: int) -> None:
        if not used_up:
            use_up_the_day(crm)
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
    elif isinstance(crm, FxiaokeHarness):
        pytest.skip(
            "Fxiaoke has no transient row lock: a locked record (lock_status 1, e.g. an approval under way) "
            "refuses edits with errorCode 32000 until a person unlocks it, which is the refused-record case"
        )
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
