"""SOQL and COQL injection through record ids and mapping values: refused or skipped, never in a query.

Ids come from webhooks (the generic one only checks their characters) and from lookups; field and
object names come from the config. The sandboxes log every query string they were sent, so a test can
look for the injected text in what actually went over the wire.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from connectors.errors import CrmCreditError
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store
from sync.store.schema import invoices, runs
from sync.worker import Worker
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.hostile_support import BACKENDS, store_backend
from tests.sync.queue_helpers import drain, sqlite_queue
from webhooks.app import create_app
from webhooks.signature import sign

Harness = SalesforceHarness | ZohoHarness
# Through a lookup or an engine call anything goes; the generic webhook lets only [A-Za-z0-9_.:-] through.
INJECTED_IDS = ["a0B' OR Name != '", "1' or id > 0", "1) or (id > 0", "1;DELETE FROM Invoices", "\\' OR 1=1 --"]
WEBHOOK_IDS = ["001-x", "12ab", "0", "1.0", "a0B:1", "00000000000000000000000000000001"]
# What of those ids would show in a query (a quote alone would not: valid ids go in quoted).
MARKERS = ("Name !=", "or id >", "or (id", "DELETE", "1=1", "001-x", "12ab", "a0B:1")


@pytest.fixture(scope="module")
def orgs() -> Iterator[dict[str, Harness]]:
    found: dict[str, Harness] = {"sf": SalesforceHarness(accounts=3, seed=31), "zoho": ZohoHarness(accounts=3, seed=31)}
    yield found
    for harness in found.values():
        harness.close()


def _config(url: str, source: str, table: dict[str, Any], folder: Path) -> AppConfig:
    data = {"store": {"url": url}, "queue": {"url": f"sqlite:///{folder / 'queue.db'}"},
            "webhooks": {"secret": "injection-secret"}, "sources": {source: table}}  # fmt: skip
    return AppConfig.model_validate(data)


def _queries_since(org: Harness, start: int) -> list[str]:
    return [unquote_plus(call.query) for call in org.box.calls.calls[start:]]


def _unfinished_runs(store: Store) -> int:
    with store.read() as conn:
        query = sa.select(sa.func.count()).select_from(runs).where(runs.c.outcome == "running")
        return int(conn.execute(query).scalar_one())


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("source", ["sf", "zoho"])
def test_injected_ids_are_skipped_and_the_good_id_beside_them_is_fetched(
    orgs: dict[str, Harness], tmp_path: Path, backend_name: str, source: str
) -> None:
    org = orgs[source]
    good = org.live_ids("invoice")[0]
    with store_backend(backend_name, tmp_path) as where:
        engine = SyncEngine(_config(where.url, source, org.source_table(), tmp_path), where.store)
        start = len(org.box.calls.calls)
        try:
            changed = engine.fetch_changes(source, "invoice", [*INJECTED_IDS, *WEBHOOK_IDS, good])
        finally:
            engine.close()
        with where.store.read() as conn:
            stored = set(conn.execute(sa.select(invoices.c.crm_id)).scalars())
        assert _unfinished_runs(where.store) == 0
    assert changed and good in stored and not stored & {*INJECTED_IDS, *WEBHOOK_IDS}
    sent = _queries_since(org, start)
    assert sent and not [q for q in sent if any(m in q for m in MARKERS)]


@pytest.mark.parametrize("source", ["sf", "zoho"])
def test_a_generic_webhook_with_odd_ids_does_not_poison_the_fetch_of_a_good_one(
    orgs: dict[str, Harness], tmp_path: Path, source: str
) -> None:
    org = orgs[source]
    good = org.live_ids("invoice")[0]
    with store_backend("sqlite", tmp_path) as where:
        config = _config(where.url, source, org.source_table(), tmp_path)
        jobs = sqlite_queue(tmp_path)
        worker = Worker(config, where.store, jobs).attach()
        app = create_app(config, where.store, jobs, learn_org_ids=False)
        try:
            body = json.dumps({"object": "invoice", "ids": [*WEBHOOK_IDS, good]}).encode()
            stamp = str(int(time.time()))
            headers = {"X-Timestamp": stamp, "X-Signature": sign(b"injection-secret", stamp, body)}
            assert TestClient(app).post(f"/webhooks/generic/{source}", content=body, headers=headers).status_code == 202
            drain(jobs)
            with where.store.read() as conn:
                stored = set(conn.execute(sa.select(invoices.c.crm_id)).scalars())
            assert good in stored and _unfinished_runs(where.store) == 0
        finally:
            app.state.service.close()
            worker.close()
            jobs.close()


MAPPED_NAMES = {
    "sf": ["Name FROM Account WHERE Name != ''", "Name,(SELECT Id FROM Contacts)", "Name--", "Name\nFROM Account"],
    "zoho": ["Account_Name, (select id from Accounts)", "Account_Name' or id > 0", "Account_Name;", "id)or(id"],
}


def _sync(org: Harness, source: str, table: dict[str, Any], folder: Path) -> tuple[str, list[str]]:
    """Sync with this table: (what the run or its refusal said, the queries it sent)."""
    folder.mkdir()
    start = len(org.box.calls.calls)
    with store_backend("sqlite", folder) as where:
        engine = SyncEngine(_config(where.url, source, table, folder), where.store, sleep=lambda s: None)
        try:
            report = engine.sync().sources[source]
            said = f"{report.outcome}: " + " ".join([*report.mapping_problems, report.message or ""])
        except CrmCreditError as refused:  # a config the connector cannot use stops the command (exit 2)
            said = f"refused: {refused}"
        finally:
            engine.close()
        assert _unfinished_runs(where.store) == 0
    return said, _queries_since(org, start)


@pytest.mark.parametrize("source", ["sf", "zoho"])
def test_injected_field_and_object_names_in_the_mapping_never_reach_a_query(tmp_path: Path, source: str) -> None:
    # An org of its own: each sync is a new process's token refresh, and Zoho allows ten in ten minutes.
    org: Harness = SalesforceHarness(accounts=2, seed=32) if source == "sf" else ZohoHarness(accounts=2, seed=32)
    try:
        _refused_everywhere(org, source, tmp_path)
    finally:
        org.close()


def _refused_everywhere(org: Harness, source: str, tmp_path: Path) -> None:
    for n, name in enumerate(MAPPED_NAMES[source]):
        as_field = org.source_table()
        as_field["accounts"]["fields"]["name"] = name
        said, sent = _sync(org, source, as_field, tmp_path / f"field{n}")
        shown = (name, repr(name)[1:-1])  # a message shows a line break escaped
        assert said.startswith("problems: ") and any(n in said for n in shown), said
        assert not [q for q in sent if name in q]
        as_object = org.source_table()
        as_object["invoices"]["object"] += f" WHERE {name}"
        said, sent = _sync(org, source, as_object, tmp_path / f"object{n}")
        assert said.startswith(("refused: ", "failed: ")) and any(n in said for n in shown), said
        assert not [q for q in sent if name in q]
