"""A whole working day with distinctive fake secrets: config by environment, CLI sync, report, status, the
three webhook kinds through `serve`'s app and its worker, admin pages, and a failed login — everything the
product says or keeps collected as text for the secrets test to search.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.app import app as cli_app
from cli.app import normalise_argv
from cli.main import run  # noqa: F401  registers every command
from sync.config import AppConfig
from sync.queue import JobQueue
from sync.store import Store
from sync.store.channels import StoreChannelStore
from sync.worker import Worker
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.sync.queue_helpers import drain
from tests.webhooks.test_salesforce_outbound import envelope
from webhooks.app import create_app
from webhooks.signature import sign

SECRETS = {
    "SF_PASSWORD": "SECRET-c0ffee-sf-password",
    "SF_SECURITY_TOKEN": "SECRET-c0ffee-sf-security-token",
    "ZOHO_CLIENT_SECRET": "SECRET-c0ffee-zoho-client-secret",
    "ZOHO_REFRESH_TOKEN": "1000.SECRET-c0ffee-zoho-refresh-token.42",
    "ZOHO_CHANNEL_TOKEN": "SECRET-c0ffee-zoho-channel-token",
    "WEBHOOK_SECRET": "SECRET-c0ffee-generic-webhook-key",
    "OPS_TOKEN": "SECRET-c0ffee-ops-user-token",
    "CRM_CREDIT_TOKEN_KEY": "SECRET-c0ffee-token-cache-key",
}
WRONG_PASSWORD = "SECRET-c0ffee-wrong-password"
OUTBOUND_SESSION = "00D000000000001!SECRET-c0ffee-outbound-session"
ADMIN_PAGES = ["/admin", "/admin/accounts", "/admin/outbox", "/admin/quarantine", "/admin/policy", "/admin/report",
               "/admin/mapping/sf", "/admin/mapping/zoho", "/admin/checks/sf", "/admin/glossary"]  # fmt: skip


@dataclass
class Said:
    """Everything the product wrote somewhere a person or another program can read."""

    texts: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, text: str) -> None:
        """Keep one more text under a name."""
        self.texts[where] = self.texts.get(where, "") + text + "\n"


def use_secrets(sf: SalesforceHarness, zoho: ZohoHarness) -> None:
    """Make both orgs accept exactly the fake secrets (as an admin resetting them would)."""
    sf.box.set_credentials(password=SECRETS["SF_PASSWORD"], security_token=SECRETS["SF_SECURITY_TOKEN"])
    oauth = zoho.box.state.oauth
    oauth.client_secret = SECRETS["ZOHO_CLIENT_SECRET"]
    oauth.grants[SECRETS["ZOHO_REFRESH_TOKEN"]] = oauth.grants.pop(oauth.refresh_token)
    oauth.refresh_token = SECRETS["ZOHO_REFRESH_TOKEN"]


def write_config(folder: Path, store_url: str, sf: SalesforceHarness, zoho: ZohoHarness) -> Path:
    """The TOML an operator writes: every secret is a `${NAME}` read from the environment."""
    sf_table, zoho_table = sf.source_table(), zoho.source_table()
    sf_table["auth"].update(password="${SF_PASSWORD}", security_token="${SF_SECURITY_TOKEN}")
    zoho_table["auth"].update(client_secret="${ZOHO_CLIENT_SECRET}", refresh_token="${ZOHO_REFRESH_TOKEN}")
    zoho_table["channel_token"] = "${ZOHO_CHANNEL_TOKEN}"
    data = {
        "store": {"url": store_url},
        "queue": {"url": f"sqlite:///{folder / 'queue.db'}"},
        "webhooks": {"secret": "${WEBHOOK_SECRET}", "public_url": "https://127.0.0.1:9/unreachable"},
        "users": {"ops@example.com": "${OPS_TOKEN}"},
        "sources": {"sf": sf_table, "zoho": zoho_table},
    }
    path = folder / "crm-credit.toml"
    path.write_text(tomlkit.dumps(data))
    return path


def cli(said: Said, config: Path, *args: str) -> Any:
    """Run one command in-process; its stdout and stderr are kept."""
    result = CliRunner().invoke(cli_app, normalise_argv(["--config", str(config), *args]))
    said.add(f"cli {args[0]} stdout", result.stdout)
    said.add(f"cli {args[0]} stderr", result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        said.add(f"cli {args[0]} exception", repr(result.exception))
    return result


def webhook_round(said: Said, config: AppConfig, store: Store, jobs: JobQueue, sf: SalesforceHarness,
                  zoho: ZohoHarness) -> None:  # fmt: skip
    """Open a Zoho channel, then one notification of each kind, each answered and worked off."""
    worker = Worker(config, store, jobs).attach()
    app = create_app(config, store, jobs, learn_org_ids=False)
    client = TestClient(app, raise_server_exceptions=False)
    try:
        assert app.state.service.org_ids.learn("sf")
        jobs.submit_channel_renewal()
        drain(jobs)
        channel = StoreChannelStore(store.engine).load_channels("zoho")[0]

        invoice_id, _account = sf.open_invoice()
        sf.pay_invoice(invoice_id)
        body = json.dumps({"object": "invoice", "ids": [invoice_id]}).encode()
        stamp = str(int(time.time()))
        signed = {"X-Timestamp": stamp, "X-Signature": sign(SECRETS["WEBHOOK_SECRET"].encode(), stamp, body)}
        answers = [client.post("/webhooks/generic/sf", content=body, headers=signed)]
        answers.append(client.post("/webhooks/generic/sf", content=body, headers=signed))  # a replay: refused

        outbound_invoice = sf.open_invoice()[0]
        sf.pay_invoice(outbound_invoice)
        soap = envelope(sf.box.org_id, ("04l000000000001AAA", "Invoice__c", outbound_invoice))
        # An outbound message may carry a live session id ("Send Session ID" on the rule).
        soap = soap.replace(b'<SessionId xsi:nil="true"/>', f"<SessionId>{OUTBOUND_SESSION}</SessionId>".encode())
        answers.append(client.post("/webhooks/salesforce/outbound/sf", content=soap,
                                   headers={"Content-Type": "text/xml", "SOAPAction": '""'}))  # fmt: skip

        zoho_invoice, _account = zoho.open_invoice()
        zoho.pay_invoice(zoho_invoice)
        note = {"server_time": int(time.time() * 1000), "query_params": {}, "module": "Invoices",
                "resource_uri": f"{zoho.box.url}/crm/v8/Invoices", "ids": [zoho_invoice], "affected_fields": [],
                "operation": "update", "channel_id": channel.channel_id,
                "token": SECRETS["ZOHO_CHANNEL_TOKEN"]}  # fmt: skip
        answers.append(client.post("/webhooks/zoho/zoho", json=note))
        answers.append(client.post("/webhooks/zoho/zoho", json={**note, "token": "forged"}))  # refused
        assert [a.status_code for a in answers] == [202, 401, 200, 200, 401], [a.text for a in answers]
        drain(jobs)

        bearer = {"Authorization": f"Bearer {SECRETS['OPS_TOKEN']}"}
        answers.append(client.get(f"/api/accounts/sf/{_account_of(sf, invoice_id)}", headers=bearer))
        answers += [client.get(page, headers=bearer) for page in ADMIN_PAGES]
        answers.append(client.get("/admin", headers={"Authorization": "Bearer " + WRONG_PASSWORD}))
        answers.append(client.get("/healthz"))
        for answer in answers:
            said.add(f"http {answer.request.url.path}", f"{answer.status_code} {answer.headers} {answer.text}")
        assert all(a.status_code == 200 for a in answers[5:-2]), [(a.request.url.path, a.status_code) for a in answers]
    finally:
        app.state.service.close()
        worker.close()


def _account_of(sf: SalesforceHarness, invoice_id: str) -> str:
    return str((sf.box.get_record("Invoice__c", invoice_id) or {})["Account__c"])


def issued_tokens(sf: SalesforceHarness, zoho: ZohoHarness) -> list[str]:
    """The session ids and access tokens the orgs handed out during the day (secrets, too)."""
    return [*sf.box.state.sessions._live, *zoho.box.state.oauth.tokens]


def log_text(records: list[logging.LogRecord]) -> str:
    """Every captured record as it would be printed, tracebacks included; the emulated CRMs' own are left out."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in records if not r.name.startswith("sandbox"))
