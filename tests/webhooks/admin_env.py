"""An admin site over a small sandbox org: a commented config on disk, a synced store, the serve app.

The config maps invoice statuses without "Credit", so the org's credit notes wait in quarantine
until an admin adds the value to the mapping and releases them: the story the admin tests follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI

from sandbox.salesforce import SalesforceSandbox
from sync.config import AppConfig, load_config
from sync.engine import SyncEngine
from sync.queue import JobQueue
from sync.store import Store
from tests.connectors.contract.harness_salesforce import WRITEBACK, install_writeback_fields
from webhooks.app import create_app

TOKEN = "admin-token-for-tests-0123456789"
USER = "alice@example.com"

CONFIG = """# crm-credit for the admin tests
[store]
url = "sqlite:///store.db"
[queue]
url = "sqlite:///queue.db"
[users]
"alice@example.com" = "${ADMIN_TOKEN}"   # per-user token

[sources.sf]
kind = "salesforce"
ca_bundle = "{ca}"
organization_id = "{org}"
[sources.sf.auth]
method = "password"
login_url = "{url}"
username = "{username}"
password = "${SF_PASSWORD}"   # never in the file
security_token = "{token}"

[sources.sf.accounts]
object = "Account"
fields = { name = "Name", industry = "Industry", annual_revenue = "AnnualRevenue" }   # keep it short

[sources.sf.invoices]
object = "Invoice__c"
# the lookup to the account
fields.account_crm_id = "Account__c"
fields.number = "Name"
fields.issued_on = "Invoice_Date__c"
fields.due_on = "Due_Date__c"
fields.amount = "Amount__c"
fields.balance = "Balance__c"
fields.paid_on = "Paid_On__c"
fields.currency = "CurrencyIsoCode"
fields.status = "Status__c"
transforms = { status = { map = { "Open" = "open", "Paid" = "paid", "Cancelled" = "void" } } }

[sources.sf.writeback]
object = "Account"
fields.credit_limit = "Credit_Limit__c"
fields.available_credit = "Available_Credit__c"
fields.score = "Credit_Score__c"
fields.grade = "Credit_Grade__c"
fields.status = "Credit_Status__c"
fields.flags = "Credit_Flags__c"
fields.reasons = "Credit_Reasons__c"
fields.next_review_on = "Credit_Next_Review__c"
"""


@dataclass
class AdminSite:
    """Everything an admin test needs."""

    box: SalesforceSandbox
    path: Path
    config: AppConfig
    store: Store
    jobs: JobQueue
    app: FastAPI


@contextmanager
def admin_site(folder: Path, monkeypatch: pytest.MonkeyPatch, accounts: int = 40) -> Iterator[AdminSite]:
    """Start the org, write the config, sync once, build the app (org id set: nothing to learn at start)."""
    monkeypatch.setenv("ADMIN_TOKEN", TOKEN)
    with SalesforceSandbox(accounts=accounts, seed=71) as box:
        monkeypatch.setenv("SF_PASSWORD", box.credentials.password)
        install_writeback_fields(box, WRITEBACK)
        creds = box.credentials
        text = (CONFIG.replace("{ca}", str(box.ca_pem)).replace("{org}", box.org_id).replace("{url}", box.url)
                .replace("{username}", creds.username).replace("{token}", creds.security_token))  # fmt: skip
        path = folder / "crm-credit.toml"
        path.write_text(text)
        config = load_config(path)
        store = Store.open(config.store.url)
        engine = SyncEngine(config, store)
        engine.sync()
        engine.close()
        jobs = JobQueue.open(config.queue)
        app = create_app(config, store, jobs, learn_org_ids=False, config_path=path)
        try:
            yield AdminSite(box, path, config, store, jobs, app)
        finally:
            jobs.close()
            store.close()
