"""What the hostile-input tests share: a store on either backend, a Salesforce org whose invoices carry
text fields (so any string a CRM user types reaches the mapping), and a scan of everything the product
wrote for strings that must never be there.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sandbox.salesforce import SalesforceSandbox
from sync.store import Store
from sync.store.schema import metadata
from tests.conftest import PG_URL, require_service

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Invoice__c fields of type Text that an org imports its ERP's invoice data into: the mapping reads
# amount, due date, currency and the account reference from them, so nothing on the way types them.
TEXT_FIELDS = {
    "amount": "Amount_Text__c",
    "due_on": "Due_Text__c",
    "currency": "Currency_Text__c",
    "account_crm_id": "Account_Ref__c",
}


@dataclass
class Backend:
    """An open store and the URL (and PostgreSQL schema) a config needs to reach it."""

    store: Store
    url: str
    schema: str | None


@contextmanager
def store_backend(name: str, folder: Path) -> Iterator[Backend]:
    """A fresh, migrated store: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if name == "sqlite":
        url = f"sqlite:///{folder / 'store.db'}"
        store = Store.open(url)
        try:
            yield Backend(store, url, None)
        finally:
            store.close()
        return
    require_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    store = Store.open(PG_URL, schema=schema)
    try:
        yield Backend(store, f"{PG_URL}?options=-csearch_path%3D{schema}", schema)
    finally:
        store.close()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def add_text_fields(box: SalesforceSandbox) -> None:
    """Create the invoice text fields (as an admin would) and copy every seeded invoice's values into them."""
    for name in TEXT_FIELDS.values():
        meta = {"label": name.removesuffix("__c").replace("_", " "), "type": "Text", "length": 255, "required": False}
        box.create_field(f"Invoice__c.{name}", meta, grant=True)
    for row in box.query("SELECT Id, Amount__c, Due_Date__c, CurrencyIsoCode, Account__c FROM Invoice__c"):
        values = {
            TEXT_FIELDS["amount"]: str(row["Amount__c"]),
            TEXT_FIELDS["due_on"]: str(row["Due_Date__c"]),
            TEXT_FIELDS["currency"]: str(row["CurrencyIsoCode"]),
            TEXT_FIELDS["account_crm_id"]: str(row["Account__c"]),
        }
        box.update_record("Invoice__c", str(row["Id"]), values)


def text_invoices(table: dict[str, Any]) -> dict[str, Any]:
    """A contract source table whose invoices read amount, due date, currency and account from the text fields."""
    invoices = dict(table["invoices"])
    invoices["fields"] = {**invoices["fields"], **TEXT_FIELDS}
    invoices["fields"].pop("balance", None)  # the open amount follows the amount and status
    return {**table, "invoices": invoices}


def dump_store(store: Store) -> str:
    """Every row of every table, as text (to search for what must never be stored)."""
    lines: list[str] = []
    with store.read() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                lines.append(f"{table.name}: {json.dumps(list(row), default=str, ensure_ascii=False)}")
    return "\n".join(lines)


def leaks(secrets: Iterable[str], **places: str) -> dict[str, list[str]]:
    """Which secrets appear in which place (empty when none does); places are named texts."""
    found: dict[str, list[str]] = {}
    for secret in secrets:
        where = [name for name, text in places.items() if secret in text]
        if where:
            found[secret] = where
    return found
