"""`review`, `dunning` and `digest` from the command line: exit codes, JSON shapes, who may review."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app, normalise_argv
from cli.main import run  # noqa: F401  registers every command
from sync.store import Store
from tests.credit_core.builders import open_invoice, paid_history, solid_account
from tests.sync.flows import put

CONFIG = """
[store]
url = "sqlite:///crm-credit.db"
[users]
"alice@example.com" = "${ALICE_TOKEN}"
[alerts]
smtp_url = "smtp://127.0.0.1:{port}"
to = ["credit@example.com"]
[sources.sf]
kind = "salesforce"
[sources.sf.auth]
method = "session"
session_id = "unused"
[sources.sf.accounts]
object = "Account"
fields = { name = "Name" }
"""


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, normalise_argv(list(args)), catch_exceptions=False)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config (its SMTP server down) and a store with a late payer and a good one, evaluated."""
    monkeypatch.chdir(tmp_path)
    today = datetime.now(UTC).date()  # the commands run on the real clock
    monkeypatch.setenv("ALICE_TOKEN", "alice-token")
    (tmp_path / "crm-credit.toml").write_text(CONFIG.replace("{port}", str(_closed_port())))
    store = Store.open(f"sqlite:///{tmp_path / 'crm-credit.db'}")
    late = open_invoice("b-late", 20, amount="6000", account_id="B1", as_of=today)
    put(store, [solid_account("A1", name="Acme"), *paid_history(8, prefix="a", account_id="A1"),
                solid_account("B1", name="Bolt"), late])  # fmt: skip
    store.close()
    assert _cli("evaluate").exit_code == 0
    yield tmp_path


def test_review_records_the_outcome_and_resets_the_review_date(folder: Path) -> None:
    result = _cli("review", "A1", "--outcome", "Needs unchanged", "--as", "alice@example.com", "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["reviewed_by"] == "alice@example.com" and shown["last_review_on"] is not None
    assert shown["next_review_on"] > shown["last_review_on"]
    refused = _cli("review", "A1", "--outcome", "x", "--as", "mallory@example.com")
    assert refused.exit_code == 2 and "not a [users] entry" in refused.stderr
    assert _cli("review", "NOPE", "--outcome", "x", "--as", "alice@example.com").exit_code == 2
    assert (
        _cli("review", "A1", "--outcome", "x", "--as", "alice@example.com", "--promise-to-pay", "soon").exit_code == 2
    )


def test_dunning_lists_one_draft_per_customer_and_stage(folder: Path) -> None:
    result = _cli("dunning", "--json")
    assert result.exit_code == 0, result.stderr
    [draft] = json.loads(result.stdout)["drafts"]
    assert (draft["crm_id"], draft["stage"], draft["total"]) == ("B1", "first", "6000.00")
    assert draft["invoices"][0]["days_past_due"] == 20 and "INV-b-late" in draft["body"]
    text = _cli("dunning", "--output", "notices").stdout
    assert "sf/B1 Bolt · first" in text and "Subject: First reminder: 1 overdue invoice" in text
    [written] = (folder / "notices").iterdir()
    assert written.name == "sf-B1-first-USD.txt" and "Dear Bolt," in written.read_text()


def test_digest_with_the_mail_server_down_exits_1_and_a_bad_period_exits_2(folder: Path) -> None:
    down = _cli("digest")
    assert down.exit_code == 1 and "e-mail to 127.0.0.1" in down.stderr
    assert _cli("digest", "--period", "hourly").exit_code == 2
