"""Owner tasks through the real wire protocols: one Task per change, none for an unchanged re-run.

Salesforce: `POST /services/data/vXX.X/sobjects/Task/` through simple-salesforce; Zoho: `POST /crm/v8/Tasks`
through the project's requests client; Fxiaoke: a 日程 (`ScheduleObj`) through `POST /cgi/crm/v2/data/create`.
All against their sandboxes, over HTTPS, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

import pytest
import sqlalchemy as sa

from credit_core.audit import decision_from_dict
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store
from sync.store.alerts import list_tasks
from sync.store.decisions import load_current
from sync.store.schema import accounts
from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness

SOURCE = "crm"
CHINA = timezone(timedelta(hours=8))


class Crm(Protocol):
    """What these tests need from a sandbox besides the contract harness."""

    harness: Any

    def late_invoice(self, account_id: str) -> None: ...

    def tasks(self) -> list[dict[str, Any]]: ...

    def owner(self, account_id: str) -> str: ...


class SalesforceCrm:
    def __init__(self) -> None:
        self.harness = SalesforceHarness(accounts=4)

    def late_invoice(self, account_id: str) -> None:
        box, today = self.harness.box, datetime.now(UTC).date()
        currency = (box.get_record("Account", account_id) or {}).get("CurrencyIsoCode") or "USD"
        box.create_record("Invoice__c", {"Name": "INV-LATE", "Account__c": account_id, "Status__c": "Open",
                                         "Invoice_Date__c": today - timedelta(days=130),
                                         "Due_Date__c": today - timedelta(days=100), "Amount__c": 9_000_000,
                                         "Balance__c": 9_000_000, "CurrencyIsoCode": currency})  # fmt: skip

    def tasks(self) -> list[dict[str, Any]]:
        rows = self.harness.box.query(
            "SELECT Id, WhatId, OwnerId, Subject, Description, ActivityDate, Status, Priority FROM Task"
        )
        return [{"what": r["WhatId"], "owner": r["OwnerId"], "subject": r["Subject"],
                 "description": r["Description"], "due": str(r["ActivityDate"]), "open": r["Status"] == "Not Started",
                 "priority": r["Priority"]} for r in rows]  # fmt: skip

    def owner(self, account_id: str) -> str:
        return str((self.harness.box.get_record("Account", account_id) or {})["OwnerId"])


class ZohoCrm:
    def __init__(self) -> None:
        self.harness = ZohoHarness(accounts=4)

    def late_invoice(self, account_id: str) -> None:
        box, today = self.harness.box, datetime.now(UTC).date()
        currency = (box.get_record("Accounts", account_id) or {}).get("Currency") or "USD"
        box.create_record("Invoices", {"Subject": "Late invoice", "Account_Name": account_id, "Status": "Delivered",
                                       "Invoice_Date": (today - timedelta(days=130)).isoformat(),
                                       "Due_Date": (today - timedelta(days=100)).isoformat(), "Grand_Total": 9_000_000,
                                       "Balance_Due": 9_000_000, "Currency": currency})  # fmt: skip

    def tasks(self) -> list[dict[str, Any]]:
        box = self.harness.box
        rows = [box.get_record("Tasks", i) or {} for i in box.ids("Tasks")]
        return [{"what": r["What_Id"]["id"], "owner": r["Owner"]["id"], "subject": r["Subject"],
                 "description": r["Description"], "due": r["Due_Date"], "open": r["Status"] == "Not Started",
                 "priority": r["Priority"]} for r in rows]  # fmt: skip

    def owner(self, account_id: str) -> str:
        return str((self.harness.box.get_record("Accounts", account_id) or {})["Owner"]["id"])


class FxiaokeCrm:
    def __init__(self) -> None:
        self.harness = FxiaokeHarness(accounts=4)

    def late_invoice(self, account_id: str) -> None:
        fx, today = self.harness.fx, datetime.now(UTC).date()
        currency = (fx.get_record("AccountObj", account_id) or {}).get("mc_currency") or "CNY"
        fx.create_record("PaymentPlanObj", {"name": "HKJH-LATE", "account_id": account_id,
                                            "create_time": today - timedelta(days=130),
                                            "plan_payment_time": today - timedelta(days=100),
                                            "plan_payment_amount": "9000000.00", "mc_currency": currency})  # fmt: skip

    def tasks(self) -> list[dict[str, Any]]:
        # A 日程 has no status or priority field: open while in force, and a High task says so in its content.
        return [{"what": r["related_object_data"][0]["id"], "owner": r["owner"][0], "subject": r["name"],
                 "description": r["content"], "open": r["life_status"] == "normal",
                 "due": datetime.fromtimestamp(r["begin_time"] / 1000, CHINA).date().isoformat(),
                 "priority": "High" if r["content"].startswith("[High]") else "Normal"}
                for r in self.harness.fx.records("ScheduleObj")]  # fmt: skip

    def owner(self, account_id: str) -> str:
        return str((self.harness.fx.get_record("AccountObj", account_id) or {})["owner"][0])


@pytest.fixture(params=["salesforce", "zoho", "fxiaoke"])
def crm(request: pytest.FixtureRequest) -> Iterator[Crm]:
    makers = {"salesforce": SalesforceCrm, "zoho": ZohoCrm, "fxiaoke": FxiaokeCrm}
    found: Crm = makers[request.param]()
    try:
        yield found
    finally:
        found.harness.close()


def _engine(crm: Crm, store: Store, **alerts: Any) -> SyncEngine:
    config = AppConfig.model_validate({"sources": {SOURCE: crm.harness.source_table()}, "alerts": alerts})
    return SyncEngine(config, store, sleep=lambda seconds: None)


def _not_on_hold(store: Store) -> str:
    with store.read() as conn:
        current = load_current(conn, [(SOURCE, i) for i in _account_ids(store)])
    calm = [key[1] for key, payload in current.items() if decision_from_dict(payload).status != "HOLD"]
    assert calm, "the seeded org has no account off hold"
    return sorted(calm)[0]


def _account_ids(store: Store) -> list[str]:
    with store.read() as conn:
        return [r.crm_id for r in conn.execute(sa.select(accounts.c.crm_id).where(accounts.c.source == SOURCE))]


def test_a_hold_makes_one_task_for_the_account_owner_and_a_rerun_makes_none(crm: Crm, store: Store) -> None:
    engine = _engine(crm, store)
    engine.sync()
    assert crm.tasks() == []  # the first decisions set the baseline
    account_id = _not_on_hold(store)
    crm.late_invoice(account_id)
    report = engine.sync()
    [task] = crm.tasks()
    assert task["what"] == account_id and task["owner"] == crm.owner(account_id)
    assert task["subject"].startswith("Credit hold: ") and "PAST_DUE_90" in task["description"]
    today = datetime.now(UTC).date().isoformat()
    assert (task["open"], task["priority"], task["due"]) == (True, "High", today)
    assert report.sources[SOURCE].tasks is not None and report.sources[SOURCE].tasks.sent == 1
    engine.sync()
    engine.evaluate()
    assert len(crm.tasks()) == 1  # nothing changed: no second task
    with store.read() as conn:
        [stored] = list_tasks(conn, SOURCE)
    assert stored.state == "sent" and stored.task_crm_id and stored.attempts == 1
    engine.close()


def test_tasks_can_be_switched_off(crm: Crm, store: Store) -> None:
    engine = _engine(crm, store, tasks=False)
    engine.sync()
    crm.late_invoice(_not_on_hold(store))
    engine.sync()
    assert crm.tasks() == []
    engine.close()
