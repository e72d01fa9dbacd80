"""Secrets: a full day with distinctive fake secrets leaves none in any log line, error, report, page or row.

Sync, evaluation and write-back through the CLI, the portfolio report as HTML, status and an account as
JSON, one notification of each kind through `serve`'s app and its worker, the admin pages, and two
failures (a wrong password, with and without --debug) — on SQLite and on PostgreSQL, with DEBUG logging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.config import load_config
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.hostile_support import BACKENDS, dump_store, leaks, store_backend
from tests.reliability.secret_cycle import (
    OUTBOUND_SESSION,
    SECRETS,
    WRONG_PASSWORD,
    Said,
    cli,
    issued_tokens,
    log_text,
    use_secrets,
    webhook_round,
    write_config,
)
from tests.sync.queue_helpers import sqlite_queue


@pytest.fixture
def orgs() -> Iterator[tuple[SalesforceHarness, ZohoHarness]]:
    sf, zoho = SalesforceHarness(accounts=5, seed=41), ZohoHarness(accounts=5, seed=41)
    use_secrets(sf, zoho)
    # The channel's URL is unreachable on purpose (the test posts Zoho's callback itself): no retrying it.
    zoho.box.notifier.retry_delays = ()
    yield sf, zoho
    sf.close()
    zoho.close()


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_no_secret_appears_in_any_log_error_report_page_or_stored_row(
    orgs: tuple[SalesforceHarness, ZohoHarness],
    tmp_path: Path,
    backend_name: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    sf, zoho = orgs
    caplog.set_level(logging.DEBUG)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    said = Said()
    with store_backend(backend_name, tmp_path) as where:
        path = write_config(tmp_path, where.url, sf, zoho)
        report = tmp_path / "report.html"
        assert cli(said, path, "sync").exit_code in (0, 1)
        assert cli(said, path, "report", "--html", str(report)).exit_code == 0
        assert cli(said, path, "status", "--json").exit_code == 0
        assert cli(said, path, "account", "--source", "sf", sf.live_ids("account")[0], "--json").exit_code == 0
        assert cli(said, path, "audit", "export", "--format", "jsonl").exit_code == 0
        said.add("report.html", report.read_text())

        config = load_config(path)
        jobs = sqlite_queue(tmp_path)
        try:
            webhook_round(said, config, where.store, jobs, sf, zoho)
        finally:
            jobs.close()
        assert cli(said, path, "sync").exit_code in (0, 1)  # the webhooks' changes are already written

        monkeypatch.setenv("SF_PASSWORD", WRONG_PASSWORD)
        tokens = issued_tokens(sf, zoho)  # before they end
        sf.expire_auth()  # else the shared, encrypted session would spare the next run a login
        refused = cli(said, path, "sync", "sf")
        assert refused.exit_code != 0 and refused.stderr.strip(), refused.output
        cli(said, path, "--debug", "sync", "sf")
        said.add("store", dump_store(where.store))

    captured = capfd.readouterr()
    said.add("stdout", captured.out)
    said.add("stderr", captured.err)
    said.add("log", log_text(caplog.records))
    assert len(caplog.records) > 50 and "report.html" in said.texts  # the day really happened, and was heard
    tokens += issued_tokens(sf, zoho)
    assert len(tokens) >= 2  # a Salesforce session and a Zoho access token at least
    assert leaks([*SECRETS.values(), WRONG_PASSWORD, OUTBOUND_SESSION, *tokens], **said.texts) == {}
