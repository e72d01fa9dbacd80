"""Malformed records typed into a Salesforce org (and a Zoho org, a Fxiaoke tenant): all quarantined with a
clear reason, the rest syncs.

The sandbox org serves them over HTTPS to the real client; the real engine pulls, evaluates and writes
back, on SQLite and on PostgreSQL. A record is blamed on the canonical field that is wrong, its value
kept; hostile but valid text (markup, SQL, unicode) is stored exactly as typed and rendered escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.portfolio import portfolio_report
from sync.store.codec import decode_record
from sync.store.quarantine import QuarantineEntry, save_quarantine
from sync.store.schema import accounts, decisions, invoices, quarantine
from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.bad_corpus import INJECTIONS, UNICODE, Case, corpus, random_values
from tests.reliability.hostile_support import BACKENDS, TEXT_FIELDS, add_text_fields, store_backend, text_invoices
from tests.sync.queue_helpers import sqlite_queue
from webhooks.app import create_app
from webhooks.report.html import render_report

SF_FIELD = {**TEXT_FIELDS, "number": "Name"}
SCRIPT = "<script>alert('acct')</script>"
TOKEN = "bad-records-admin-token"


@pytest.fixture
def org() -> Iterator[SalesforceHarness]:
    """A small seeded org whose invoices also carry the text fields."""
    harness = SalesforceHarness(accounts=6, seed=13)
    add_text_fields(harness.box)
    yield harness
    harness.close()


def _seed_corpus(org: SalesforceHarness) -> dict[str, Case]:
    """Create one invoice per case, plus accounts with hostile names; returns invoice ids -> case."""
    box = org.box
    account = org.live_ids("account")[0]
    issued = datetime.now(UTC).date() - timedelta(days=20)
    base = {"amount": "1200.50", "due_on": (issued + timedelta(days=30)).isoformat(), "currency": "USD",
            "account_crm_id": account}  # fmt: skip
    made: dict[str, Case] = {}
    for n, case in enumerate(corpus(account)):
        values: dict[str, Any] = {SF_FIELD[k]: v for k, v in {**base, **case.values}.items()}
        values.setdefault("Name", f"R-{n:03d}")
        values.update(Invoice_Date__c=issued, Status__c="Open")
        made[box.create_record("Invoice__c", values)] = case
    for n, name in enumerate([SCRIPT, *INJECTIONS, *UNICODE]):
        hostile = box.create_record("Account", {"Name": name, "CurrencyIsoCode": "USD"})
        # The largest exposures of the portfolio, so the report lists their names.
        values = {**base, "account_crm_id": hostile, "amount": str(900_000_000 - n)}
        box.create_record("Invoice__c", {SF_FIELD[k]: v for k, v in values.items()} | {"Name": f"H-{n}",
                          "Invoice_Date__c": issued, "Status__c": "Open"})  # fmt: skip
    return made


def _config(org: SalesforceHarness, url: str) -> AppConfig:
    return AppConfig.model_validate({"store": {"url": url}, "sources": {"sf": text_invoices(org.source_table())}})


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_every_malformed_record_is_quarantined_with_its_field_and_the_rest_syncs(
    org: SalesforceHarness, tmp_path: Path, backend_name: str
) -> None:
    made = _seed_corpus(org)
    with store_backend(backend_name, tmp_path) as where:
        config = _config(org, where.url)
        engine = SyncEngine(config, where.store, sleep=lambda s: None)
        try:
            report = engine.sync()
        finally:
            engine.close()
        source = report.sources["sf"]
        assert source.outcome == "problems", source.message
        assert report.evaluation is not None and report.evaluation.errors == 0, report.evaluation.error_samples
        with where.store.read() as conn:
            held = {r.crm_id: r for r in conn.execute(sa.select(quarantine).where(quarantine.c.kind == "invoice"))}
            stored = {r.crm_id: r.payload for r in conn.execute(sa.select(invoices.c.crm_id, invoices.c.payload))}
            decided = {r.crm_id for r in conn.execute(sa.select(decisions.c.crm_id))}

        wrong = []
        for crm_id, case in made.items():
            if case.field is None:
                if crm_id not in stored or crm_id in held:
                    wrong.append(f"{case.label}: not stored")
                continue
            entry = held.get(crm_id)
            if entry is None or crm_id in stored:
                wrong.append(f"{case.label}: not quarantined")
            elif entry.field != case.field or case.reason not in entry.reason:
                wrong.append(f"{case.label}: blamed {entry.field}: {entry.reason}")
            elif "\n" in entry.reason or len(entry.reason) > 300:
                wrong.append(f"{case.label}: reason is not one clear line: {entry.reason!r}")
        assert wrong == [], "\n".join(wrong)
        seeded = [i for i in org.live_ids("invoice") if i not in made]
        assert set(seeded) <= set(stored), "good invoices were held back by bad ones"
        assert set(org.live_ids("account")) <= decided  # every account decided, hostile names included
        assert source.push is not None and source.push.sent > 0 and source.push.rejected == 0

        typed = {crm_id: c.values["number"] for crm_id, c in made.items() if "number" in c.values}
        assert {i: decode_record("invoice", "sf", i, stored[i]).number for i in typed} == typed
        page = render_report(portfolio_report(config, where.store, datetime.now(UTC)))
        assert html.escape(SCRIPT) in page and SCRIPT not in page
        with_user = config.model_copy(update={"users": {"ops@example.com": SecretStr(TOKEN)}})
        jobs = sqlite_queue(tmp_path)
        admin = TestClient(create_app(with_user, where.store, jobs, learn_org_ids=False))
        shown = admin.get("/admin/quarantine", headers={"Authorization": f"Bearer {TOKEN}"})
        jobs.close()
        assert shown.status_code == 200 and "alert(" in shown.text and "<script>" not in shown.text


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_bad_value_holding_a_nul_is_quarantined_on_both_backends(tmp_path: Path, backend_name: str) -> None:
    # Zoho and Fxiaoke JSON may carry U+0000 in a text field; PostgreSQL text refuses it unescaped.
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    raw = {"Amount": "12\x0034", "Account": "A1"}
    entry = QuarantineEntry("zoho", "invoice", "42", "amount", "12\x0034", "not a number", stamp, raw)
    with store_backend(backend_name, tmp_path) as where:
        with where.store.write() as conn:
            assert save_quarantine(conn, [entry], stamp) == 1
        with where.store.read() as conn:
            row = conn.execute(sa.select(quarantine)).one()
    assert (row.field, row.value, json.loads(row.raw)) == ("amount", "12\\x0034", raw)


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_thousands_of_randomly_garbled_records_are_each_stored_or_quarantined_and_the_run_finishes(
    org: SalesforceHarness, tmp_path: Path, backend_name: str
) -> None:
    rng = Random(9)
    account = org.live_ids("account")[0]
    issued = datetime.now(UTC).date() - timedelta(days=20)
    good = {"amount": "1200.50", "due_on": (issued + timedelta(days=30)).isoformat(), "currency": "USD",
            "account_crm_id": account, "number": "R-1"}  # fmt: skip
    made = []
    for _ in range(2000):
        values: dict[str, Any] = {SF_FIELD[k]: v for k, v in random_values(rng, good).items()}
        values.update(Name=values["Name"][:80] or "R", Invoice_Date__c=issued, Status__c="Open")
        made.append(org.box.create_record("Invoice__c", values))
    with store_backend(backend_name, tmp_path) as where:
        config = _config(org, where.url)
        engine = SyncEngine(config, where.store, sleep=lambda s: None)
        try:
            report = engine.sync()
        finally:
            engine.close()
        with where.store.read() as conn:
            held = {r.crm_id: r for r in conn.execute(sa.select(quarantine).where(quarantine.c.kind == "invoice"))}
            stored = set(conn.execute(sa.select(invoices.c.crm_id)).scalars())
            decided = set(conn.execute(sa.select(decisions.c.crm_id)).scalars())
    assert report.sources["sf"].outcome == "problems" and report.evaluation is not None
    assert report.evaluation.errors == 0, report.evaluation.error_samples
    assert not set(made) - stored - set(held), "a record was neither stored nor quarantined"
    assert all(e.field in SF_FIELD and e.reason.strip() for e in held.values())
    assert set(org.live_ids("account")) <= decided


ZOHO_CASES = [  # (what changes on a good invoice, field blamed, words of the reason)
    ({"Grand_Total": -5.0, "Balance_Due": -5.0}, "amount", "negative"),
    ({"Currency": "ZZZ"}, "currency", "ISO 4217"),
    ({"Due_Date": "2026-01-01"}, "due_on", "due before issue"),
    ({"Status": "Disputed"}, "status", "not in the value map"),
    ({"Balance_Due": 500.0}, "balance", "balance above amount"),
    ({"Subject": INJECTIONS[0]}, None, ""),  # not mapped, but read with the rest
]


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_malformed_zoho_records_are_quarantined_by_field_and_a_deleted_accounts_invoice_waits(
    tmp_path: Path, backend_name: str
) -> None:
    org = ZohoHarness(accounts=3, seed=17)
    try:
        live = org.live_ids("account")[0]
        gone = org.box.create_record("Accounts", {"Account_Name": "Leaves soon"})
        named = {org.box.create_record("Accounts", {"Account_Name": n}): n for n in [*INJECTIONS, *UNICODE]}
        base = {"Subject": "R", "Account_Name": {"id": live}, "Invoice_Date": "2026-11-01", "Due_Date": "2026-12-01",
                "Grand_Total": 100.0, "Balance_Due": 100.0, "Status": "Delivered", "Currency": "USD"}  # fmt: skip
        made = {org.box.create_record("Invoices", {**base, **c}): (field, why) for c, field, why in ZOHO_CASES}
        orphan = org.box.create_record("Invoices", {**base, "Account_Name": {"id": gone}})
        org.box.delete_record("Accounts", gone, permanent=True)  # the invoice keeps pointing at it
        made[orphan] = ("account_crm_id", "not in the store")
        stored = _sync_then_check(tmp_path, backend_name, ("zoho", org.source_table()), made, named)
        assert set(org.live_ids("invoice")) - set(made) <= stored
    finally:
        org.close()


def test_an_invoice_in_a_currency_without_a_rate_holds_back_only_its_own_accounts_decision(
    org: SalesforceHarness, tmp_path: Path
) -> None:
    accounts = org.live_ids("account")
    issued = datetime.now(UTC).date() - timedelta(days=20)
    values = {"amount": "5000", "due_on": (issued + timedelta(days=30)).isoformat(), "currency": "JPY",
              "account_crm_id": accounts[0]}  # fmt: skip
    org.box.create_record("Invoice__c", {SF_FIELD[k]: v for k, v in values.items()} | {"Name": "JPY-1",
                          "Invoice_Date__c": issued, "Status__c": "Open"})  # fmt: skip
    with store_backend("sqlite", tmp_path) as where:
        engine = SyncEngine(_config(org, where.url), where.store, sleep=lambda s: None)
        try:
            report = engine.sync()
        finally:
            engine.close()
        with where.store.read() as conn:
            decided = set(conn.execute(sa.select(decisions.c.crm_id)).scalars())
    assert report.evaluation is not None and report.evaluation.errors == 1
    assert "JPY" in report.evaluation.error_samples[0] and accounts[0] in report.evaluation.error_samples[0]
    assert set(accounts) - decided == {accounts[0]}


FXIAOKE_CASES = [  # (what changes on a good payment plan, field blamed, words of the reason)
    ({"plan_payment_amount": -5}, "amount", "negative"),
    ({"plan_payment_time": date(2020, 1, 1)}, "due_on", "due before issue"),  # issued = created today
    ({"actual_payment_amount": 500}, "balance", "negative balance"),  # received more than planned
    ({"name": INJECTIONS[0]}, "", ""),  # hostile but valid: stored as typed
]


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_malformed_fxiaoke_payment_plans_are_quarantined_by_field_and_a_purged_customers_plan_waits(
    tmp_path: Path, backend_name: str
) -> None:
    # Currency and 业务类型 are select fields Fxiaoke itself refuses unknown values for (32000), so
    # only what a person can type wrongly into amounts, dates and lookups reaches us.
    org = FxiaokeHarness(accounts=3, seed=17)
    try:
        fx, live = org.fx, org.live_ids("account")[0]
        gone = fx.create_record("AccountObj", {"name": "Leaves soon"})
        named = {fx.create_record("AccountObj", {"name": n}): n for n in [*INJECTIONS, *UNICODE]}
        base = {"name": "R", "account_id": live, "plan_payment_time": date.today() + timedelta(days=30),
                "plan_payment_amount": 100, "mc_currency": "USD"}  # fmt: skip
        made = {fx.create_record("PaymentPlanObj", {**base, **c}): (field, why) for c, field, why in FXIAOKE_CASES}
        orphan = fx.create_record("PaymentPlanObj", {**base, "account_id": gone})
        fx.delete_record("AccountObj", gone, hard=True)  # 作废, then deleted from the recycle bin
        made[orphan] = ("account_crm_id", "not in the store")
        stored = _sync_then_check(tmp_path, backend_name, ("fx", org.source_table()), made, named)
        assert set(org.live_ids("invoice")) - set(made) <= stored
    finally:
        org.close()


def _sync_then_check(
    tmp_path: Path,
    backend_name: str,
    source: tuple[str, dict[str, Any]],
    made: Mapping[str, tuple[str | None, str]],
    named: Mapping[str, str],
) -> set[str]:
    """One sync of `source`: each planted record stored (no field blamed) or held against its field and reason,
    hostile names stored as typed; returns the invoice ids stored."""
    name, table = source
    with store_backend(backend_name, tmp_path) as where:
        config = AppConfig.model_validate({"store": {"url": where.url}, "sources": {name: table}})
        engine = SyncEngine(config, where.store, sleep=lambda s: None)
        try:
            report = engine.sync()
        finally:
            engine.close()
        with where.store.read() as conn:
            held = {r.crm_id: (r.field, r.reason) for r in conn.execute(sa.select(quarantine))}
            stored = set(conn.execute(sa.select(invoices.c.crm_id)).scalars())
            names = {r.crm_id: decode_record("account", name, r.crm_id, r.payload).name
                     for r in conn.execute(sa.select(accounts.c.crm_id, accounts.c.payload))}  # fmt: skip
    assert report.evaluation is not None and report.evaluation.errors == 0
    assert report.sources[name].outcome == "problems", report.sources[name].message
    assert {crm_id: names.get(crm_id) for crm_id in named} == named
    wrong = []
    for crm_id, (field, why) in made.items():
        entry = held.get(crm_id)
        if not field and (crm_id not in stored or entry):
            wrong.append(f"{crm_id}: not stored ({entry})")
        elif field and (crm_id in stored or entry is None or entry[0] != field or why not in entry[1]):
            wrong.append(f"{crm_id}: expected {field} ({why}), held {entry}")
    assert wrong == []
    return stored
