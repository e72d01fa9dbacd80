"""Outbound Messages: verified by org id, parsed without entity expansion, answered with the exact Ack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.base import Change, Notification
from connectors.errors import NotificationRejected
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.notifications import ACK, parse_outbound
from sandbox.salesforce import SalesforceSandbox
from sandbox.salesforce.envelope import ack_ok, notifications_envelope
from tests.connectors.salesforce.conftest import connector_for

KINDS = {"account": "account", "invoice__c": "invoice"}


def _message(box: SalesforceSandbox, sobject: str, record_ids: list[str], fields: tuple[str, ...]) -> bytes:
    action = box.add_outbound_rule(sobject, list(fields), "http://127.0.0.1:9/never")
    rule = next(r for r in box.outbound.rules if r.action_id == action)
    pairs = [(f"04l000000000{i:03d}AAA", record_id) for i, record_id in enumerate(record_ids)]
    with box.org.lock:
        return notifications_envelope(box.state, rule, pairs).encode()


def test_a_genuine_message_yields_the_changes_their_delivery_ids_and_the_ack(box: SalesforceSandbox) -> None:
    accounts = box.ids("Account")[:2]
    body = _message(box, "Account", accounts, ("Name", "Industry"))
    parsed = parse_outbound(body, box.org_id, KINDS)  # type: ignore[arg-type]
    assert parsed.changes == tuple(Change("account", a) for a in accounts)
    assert len(parsed.delivery_ids) == 2 and all(d.startswith("04l") for d in parsed.delivery_ids)
    assert parsed.values[accounts[0]]["Name"] == box.get_record("Account", accounts[0])["Name"]  # type: ignore[index]
    assert parsed.ack_body == ACK and ack_ok(parsed.ack_body)


def test_the_15_character_org_id_matches_the_18_character_one(box: SalesforceSandbox) -> None:
    body = _message(box, "Invoice__c", box.ids("Invoice__c")[:1], ("Balance__c",))
    assert parse_outbound(body, box.org_id[:15], KINDS).changes[0].kind == "invoice"  # type: ignore[arg-type]


def test_another_orgs_message_is_refused(box: SalesforceSandbox) -> None:
    body = _message(box, "Account", box.ids("Account")[:1], ("Name",))
    with pytest.raises(NotificationRejected) as refused:
        parse_outbound(body, "00D000000000001AAA", KINDS)  # type: ignore[arg-type]
    assert refused.value.status == 401


def test_objects_the_source_does_not_map_are_acknowledged_without_changes(box: SalesforceSandbox) -> None:
    body = _message(box, "Payment__c", box.ids("Payment__c")[:1], ("Amount__c",))
    parsed = parse_outbound(body, box.org_id, KINDS)  # type: ignore[arg-type]
    assert parsed.changes == () and len(parsed.delivery_ids) == 1 and parsed.ack_body == ACK


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>&lol2;</OrganizationId>
</notifications></soapenv:Body></soapenv:Envelope>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>&e;</OrganizationId>
</notifications></soapenv:Body></soapenv:Envelope>"""


@pytest.mark.parametrize("body", [BOMB, XXE, b"not xml", b"<a/>", b""])
def test_hostile_or_foreign_bodies_are_refused_as_bad_requests(body: bytes) -> None:
    with pytest.raises(NotificationRejected) as refused:
        parse_outbound(body, "00D000000000001AAA", KINDS)  # type: ignore[arg-type]
    assert refused.value.status == 400


class _Receiver(BaseHTTPRequestHandler):
    connector: SalesforceConnector
    received: list[Notification]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parsed = self.connector.parse_notification(body, dict(self.headers))
        self.received.append(parsed)
        self.send_response(200)
        self.send_header("Content-Type", parsed.ack_media_type)
        self.end_headers()
        self.wfile.write(parsed.ack_body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver(fresh: SalesforceSandbox) -> Iterator[tuple[str, list[Notification]]]:
    connector = connector_for(fresh)  # no organization_id configured: learned from the login
    received: list[Notification] = []
    handler = type("Receiver", (_Receiver,), {"connector": connector, "received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/salesforce/outbound/sf", received
    finally:
        server.shutdown()
        connector.close()


def test_salesforce_accepts_the_ack_so_nothing_is_redelivered(
    fresh: SalesforceSandbox, receiver: tuple[str, list[Notification]]
) -> None:
    url, received = receiver
    fresh.add_outbound_rule("Invoice__c", ["Balance__c", "Status__c"], url)
    invoice = fresh.ids("Invoice__c")[0]
    fresh.update_record("Invoice__c", invoice, {"Balance__c": 0, "Status__c": "Paid"})
    assert fresh.wait_for_outbound(10)
    deliveries = fresh.outbound_deliveries
    assert len(deliveries) == 1 and deliveries[0].acked
    assert received[0].changes == (Change("invoice", invoice),)
