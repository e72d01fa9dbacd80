"""Outbound Messages at `serve`: the org id checked, XML parsed safely, the exact Ack, duplicates dropped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.salesforce.notifications import ACK
from sync.config import AppConfig
from sync.queue import JobQueue
from sync.store import Store
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.sync.queue_helpers import sqlite_queue
from webhooks.app import create_app

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUT = "http://soap.sforce.com/2005/09/outbound"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
XML = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def envelope(org_id: str, *items: tuple[str, str, str]) -> bytes:
    """A `notifications` call: (notification id, sObject type, record id) per Notification."""
    notes = "".join(
        f'<Notification><Id>{nid}</Id><sObject xsi:type="sf:{kind}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>{record}</sf:Id></sObject></Notification>"
        for nid, kind, record in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soapenv:Body><notifications xmlns="{OUT}"><OrganizationId>{org_id}</OrganizationId>'
        f'<ActionId>04k000000000001AAA</ActionId><SessionId xsi:nil="true"/>{notes}'
        "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


class Outbound:
    """serve's app for one Salesforce sandbox org, with a SQLite store and queue."""

    def __init__(self, org: SalesforceHarness, folder: Path, **table: Any) -> None:
        self.org = org
        self.store = Store.open(f"sqlite:///{folder / 'store.db'}")
        self.jobs: JobQueue = sqlite_queue(folder)
        source = {**org.source_table(), **table}
        config = AppConfig.model_validate(
            {
                "store": {"url": f"sqlite:///{folder / 'store.db'}"},
                "webhooks": {"max_body_kb": 8},
                "sources": {"sf": source},
            }
        )
        self.app = create_app(config, self.store, self.jobs)
        self.client = TestClient(self.app)

    def post(self, body: bytes, source: str = "sf") -> Any:
        return self.client.post(f"/webhooks/salesforce/outbound/{source}", content=body, headers=XML)

    def invoice(self) -> str:
        return self.org.box.ids("Invoice__c")[0]

    def close(self) -> None:
        self.client.close()
        self.jobs.close()
        self.store.close()


@pytest.fixture(scope="module")
def org() -> Iterator[SalesforceHarness]:
    harness = SalesforceHarness(accounts=4, seed=3)
    yield harness
    harness.close()


@pytest.fixture
def outbound(org: SalesforceHarness, tmp_path: Path) -> Iterator[Outbound]:
    served = Outbound(org, tmp_path)
    served.client.__enter__()  # lifespan: serve logs in and learns the org id
    assert served.app.state.service.org_ids.wait(30)
    yield served
    served.client.__exit__(None, None, None)
    served.close()


def test_a_genuine_message_is_acked_exactly_and_queued(outbound: Outbound, org: SalesforceHarness) -> None:
    answer = outbound.post(envelope(org.box.org_id, ("04l000000000001AAA", "Invoice__c", outbound.invoice())))
    assert answer.status_code == 200 and answer.content == ACK
    assert answer.headers["content-type"].startswith("text/xml")
    assert outbound.jobs.pending() == 1


def test_a_duplicate_delivery_is_acked_again_but_not_queued_again(outbound: Outbound, org: SalesforceHarness) -> None:
    body = envelope(org.box.org_id, ("04l000000000002AAA", "Invoice__c", outbound.invoice()))
    assert outbound.post(body).content == ACK
    outbound.jobs.huey.storage.flush_all()  # the worker has taken the job and cleared its marker
    again = outbound.post(body)  # Salesforce never saw our Ack and resends
    assert again.status_code == 200 and again.content == ACK
    assert outbound.jobs.pending() == 0


def test_the_15_character_form_of_our_org_id_is_ours(outbound: Outbound, org: SalesforceHarness) -> None:
    answer = outbound.post(envelope(org.box.org_id[:15], ("04l000000000003AAA", "Invoice__c", outbound.invoice())))
    assert answer.content == ACK and outbound.jobs.pending() == 1


def test_an_object_the_source_does_not_map_is_acked_and_ignored(outbound: Outbound, org: SalesforceHarness) -> None:
    answer = outbound.post(envelope(org.box.org_id, ("04l000000000004AAA", "Contact", "003000000000001AAA")))
    assert answer.content == ACK and outbound.jobs.pending() == 0


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>&lol3;"
    b"</soapenv:Body></soapenv:Envelope>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>&xxe;"
    b"</soapenv:Body></soapenv:Envelope>"
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<soapenv:Envelope><unclosed>", id="malformed"),
        pytest.param(BILLION_LAUGHS, id="entity-expansion"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(b'{"object": "invoice", "ids": []}', id="not-xml"),
        pytest.param(b"<?xml version='1.0'?><a/>", id="not-soap"),
    ],
)
def test_unsafe_or_malformed_xml_is_refused_400_and_changes_nothing(outbound: Outbound, body: bytes) -> None:
    answer = outbound.post(body)
    assert answer.status_code == 400 and answer.json()["detail"]
    assert outbound.jobs.pending() == 0


def test_a_forged_org_id_is_refused_401(outbound: Outbound, org: SalesforceHarness) -> None:
    forged = "00D" + ("X" * 15 if org.box.org_id[3:] != "X" * 15 else "Y" * 15)
    answer = outbound.post(envelope(forged, ("04l000000000005AAA", "Invoice__c", outbound.invoice())))
    assert answer.status_code == 401 and "OrganizationId" in answer.json()["detail"]
    assert outbound.jobs.pending() == 0


def test_an_oversized_message_is_refused_413(outbound: Outbound, org: SalesforceHarness) -> None:
    items = [(f"04l{i:015d}", "Invoice__c", outbound.invoice()) for i in range(100)]  # > 8 kB
    answer = outbound.post(envelope(org.box.org_id, *items))
    assert answer.status_code == 413 and outbound.jobs.pending() == 0


def test_another_kind_of_source_or_an_unknown_one_is_404(outbound: Outbound, org: SalesforceHarness) -> None:
    body = envelope(org.box.org_id, ("04l000000000006AAA", "Invoice__c", outbound.invoice()))
    assert outbound.post(body, source="nope").status_code == 404


def test_until_the_org_id_is_known_messages_get_503_so_salesforce_retries(
    org: SalesforceHarness, tmp_path: Path
) -> None:
    auth = {**org.source_table()["auth"], "password": "wrong"}  # the login keeps failing
    served = Outbound(org, tmp_path, auth=auth)
    with served.client:
        answer = served.post(envelope(org.box.org_id, ("04l000000000007AAA", "Invoice__c", served.invoice())))
        assert answer.status_code == 503 and answer.headers["retry-after"]
        assert served.jobs.pending() == 0
        assert "wrong" not in answer.text
    served.close()
