"""Builders for engine tests: a config over the fake CRM, CRM rows, and an engine with a test clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from connectors.registry import register_connector, unregister_connector
from sync.config import AppConfig
from sync.engine import SyncEngine
from sync.store import Store
from tests.fakes.fake_crm import FakeConnector, FakeCrm, Faults, fake_factory

WRITEBACK = {
    "credit_limit": "Credit_Limit__c",
    "score": "Credit_Score__c",
    "grade": "Credit_Grade__c",
    "status": "Credit_Status__c",
    "flags": "Credit_Flags__c",
}


def source_table(**overrides: Any) -> dict[str, Any]:
    """A `[sources.sf]` table mapping the fake CRM's objects (kind salesforce, served by the fake)."""
    table: dict[str, Any] = {
        "kind": "salesforce",
        "auth": {"method": "session", "session_id": "not-a-real-session"},
        "lookback_s": 600,
        "checkpoint_every": 2,
        "accounts": {
            "object": "Account",
            "fields": {"name": "Name", "parent_crm_id": "ParentId", "currency": "CurrencyIsoCode"},
        },
        "invoices": {
            "object": "Invoice__c",
            "fields": {
                "account_crm_id": "Account__c",
                "number": "Name",
                "issued_on": "Issued__c",
                "due_on": "Due__c",
                "amount": "Amount__c",
                "balance": "Balance__c",
                "currency": "CurrencyIsoCode",
                "status": "Status__c",
            },
            "transforms": {"status": {"map": {"Open": "open", "Paid": "paid", "Void": "void"}}},
        },
        "orders": {
            "object": "Order",
            "fields": {"account_crm_id": "AccountId", "amount": "TotalAmount", "currency": "CurrencyIsoCode"},
        },
        "writeback": {"object": "Account", "fields": dict(WRITEBACK)},
    }
    table.update(overrides)
    return table


def make_config(store_url: str, **overrides: Any) -> AppConfig:
    """A validated config with one source `sf`."""
    return AppConfig.model_validate({"store": {"url": store_url}, "sources": {"sf": source_table(**overrides)}})


def account(crm: FakeCrm, crm_id: str, name: str = "Acme", parent: str | None = None, **extra: Any) -> None:
    """Put an account into the fake CRM."""
    crm.put("Account", crm_id, Name=name, ParentId=parent, CurrencyIsoCode="USD", **extra)


def invoice(crm: FakeCrm, crm_id: str, account_id: str, amount: str = "1000", stamp: datetime | None = None,
            **extra: Any) -> None:  # fmt: skip
    """Put an open invoice into the fake CRM (amount as a JSON float, as CRMs send it)."""
    values = {
        "Account__c": account_id,
        "Name": f"INV-{crm_id}",
        "Issued__c": "2026-10-01",
        "Due__c": "2026-10-31",
        "Amount__c": float(amount),
        "Balance__c": float(amount),
        "CurrencyIsoCode": "USD",
        "Status__c": "Open",
    }
    values.update(extra)
    crm.put("Invoice__c", crm_id, stamp=stamp, **values)


class Harness:
    """A fake CRM, the engine over it, and the store — reopenable as a 'new process' would."""

    def __init__(self, store: Store, url: str, schema: str | None, crm: FakeCrm | None = None,
                 faults: Faults | None = None, **overrides: Any) -> None:  # fmt: skip
        self.store = store
        self.url = url
        self.schema = schema
        self.crm = crm or FakeCrm()
        self.faults = faults or Faults()
        self.config = make_config(url, **overrides)
        self.factory = fake_factory(self.crm, self.faults)
        register_connector("salesforce", self.factory)

    def engine(self, faults: Faults | None = None) -> SyncEngine:
        """A fresh engine (as a new process would build) whose clock is the CRM's."""
        if faults is not None:
            self.faults = faults
            self.factory = fake_factory(self.crm, faults)
            register_connector("salesforce", self.factory)
        return SyncEngine(self.config, self.store, clock=lambda: self.crm.now)

    @property
    def connector(self) -> FakeConnector:
        """The connector the last engine used."""
        connector: FakeConnector = self.factory.last  # type: ignore[attr-defined]
        return connector


@contextmanager
def harness(target: tuple[Store, str, str | None], **overrides: Any) -> Iterator[Harness]:
    """A Harness that unregisters its fake connector afterwards."""
    store, url, schema = target
    h = Harness(store, url, schema, **overrides)
    try:
        yield h
    finally:
        unregister_connector("salesforce")
