"""Outbound Messages: the SOAP notifications envelope, batching, and retries until the exact Ack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from defusedxml import ElementTree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from sandbox.salesforce import SalesforceSandbox
from sandbox.salesforce.outbound import Backoff
from sandbox.server import SandboxServer
from sandbox.tls import TlsFiles, make_tls
from tests.sandbox.salesforce.conftest import AS_OF, password_client

OUT = "{http://soap.sforce.com/2005/09/outbound}"
SF = "{urn:sobject.enterprise.soap.sforce.com}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
    b'envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true'
    b"</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
WRONG_ACK = ACK.replace(b"notificationsResponse", b"notifications")
FAST = Backoff(initial_s=0.01, max_s=0.05, expiry_s=30.0)


@dataclass
class Receiver:
    """A listener answering scripted replies first, then the proper Ack; keeps every body."""

    replies: list[tuple[int, bytes]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.bodies.append(await request.body())
        self.headers.append(dict(request.headers))
        status, body = self.replies.pop(0) if self.replies else (200, ACK)
        return Response(body, status, media_type="text/xml")

    def notifications(self) -> list[ElementTree.Element]:
        """Every <notifications> element received, in order."""
        return [ElementTree.fromstring(b).find(f"*/{OUT}notifications") for b in self.bodies]  # type: ignore[misc]


@pytest.fixture
def receiver_tls(tmp_path: Path) -> TlsFiles:
    return make_tls(tmp_path, "receiver")


@pytest.fixture
def receiver(receiver_tls: TlsFiles) -> Iterator[tuple[Receiver, str]]:
    listener = Receiver()
    server = SandboxServer(Router([Route("/om", listener.handle, methods=["POST"])]), receiver_tls).start()
    yield listener, f"{server.url}/om"
    server.stop()


@pytest.fixture
def org() -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(accounts=20, seed=5, as_of=AS_OF, outbound_backoff=FAST) as box:
        yield box


def test_a_change_is_posted_and_retried_until_the_exact_ack(
    org: SalesforceSandbox, receiver: tuple[Receiver, str], receiver_tls: TlsFiles
) -> None:
    listener, url = receiver
    listener.replies = [(500, b"down"), (200, WRONG_ACK)]
    action = org.add_outbound_rule("Account", ["Name", "Rating", "AnnualRevenue"], url, verify=str(receiver_tls.ca_pem))
    account = org.ids("Account")[3]
    org.update_record("Account", account, {"Rating": "Hot"})
    assert org.wait_for_outbound(10)
    attempts = org.outbound_deliveries
    assert [(d.attempt, d.status, d.acked) for d in attempts] == [(1, 500, False), (2, 200, False), (3, 200, True)]
    assert len({d.notification_ids for d in attempts}) == 1  # the same notification id on every retry
    message = listener.notifications()[-1]
    assert message.findtext(f"{OUT}OrganizationId") == org.org_id
    assert message.findtext(f"{OUT}ActionId") == action
    assert message.find(f"{OUT}SessionId").get(f"{XSI}nil") == "true"  # type: ignore[union-attr]
    assert message.findtext(f"{OUT}PartnerUrl", "").startswith(org.url + "/services/Soap/u/")
    notification = message.find(f"{OUT}Notification")
    assert notification is not None and notification.findtext(f"{OUT}Id", "").startswith("04l")
    sobject = notification.find(f"{OUT}sObject")
    assert sobject is not None and sobject.get(f"{XSI}type") == "sf:Account"
    assert [child.tag.removeprefix(SF) for child in sobject] == ["Id", "Name", "Rating", "AnnualRevenue"]
    assert sobject.findtext(f"{SF}Id") == account and sobject.findtext(f"{SF}Rating") == "Hot"
    assert listener.headers[-1]["soapaction"] == '""'
    assert listener.headers[-1]["content-type"].startswith("text/xml")


def test_criteria_decide_which_changes_notify(
    org: SalesforceSandbox, receiver: tuple[Receiver, str], receiver_tls: TlsFiles
) -> None:
    listener, url = receiver
    org.add_outbound_rule(
        "Invoice__c",
        ["Status__c"],
        url,
        criteria=lambda r: r["Status__c"] == "Paid",
        evaluation="created_and_subsequently_meet",
        verify=str(receiver_tls.ca_pem),
    )
    invoice = next(i for i in org.ids("Invoice__c") if org.get_record("Invoice__c", i)["Status__c"] == "Open")  # type: ignore[index]
    org.update_record("Invoice__c", invoice, {"Balance__c": 1})
    org.update_record("Invoice__c", invoice, {"Status__c": "Paid", "Balance__c": 0})
    org.update_record("Invoice__c", invoice, {"Paid_On__c": "2026-05-02"})  # still Paid: no new notification
    assert org.wait_for_outbound(10)
    sent = [n.findtext(f"{OUT}Notification/{OUT}sObject/{SF}Id") for n in listener.notifications()]
    assert sent == [invoice]


def test_api_writes_notify_too_so_receivers_see_their_own_echoes(
    org: SalesforceSandbox, receiver: tuple[Receiver, str], receiver_tls: TlsFiles
) -> None:
    listener, url = receiver
    org.add_outbound_rule("Account", ["Name"], url, verify=str(receiver_tls.ca_pem))
    account = org.ids("Account")[0]
    password_client(org).Account.update(account, {"Rating": "Warm"})
    assert org.wait_for_outbound(10)
    assert listener.notifications()[0].findtext(f"{OUT}Notification/{OUT}sObject/{SF}Id") == account


def test_a_message_carries_at_most_100_notifications(receiver: tuple[Receiver, str], receiver_tls: TlsFiles) -> None:
    listener, url = receiver
    box = SalesforceSandbox(accounts=10, seed=5, as_of=AS_OF, outbound_backoff=FAST)
    box.add_outbound_rule("Account", ["Name", "NumberOfEmployees"], url, verify=str(receiver_tls.ca_pem))
    account = box.ids("Account")[0]
    for n in range(150):  # queued while the sandbox is not yet delivering
        box.update_record("Account", account, {"NumberOfEmployees": n + 1})
    assert box.outbound.pending() == 2
    with box:
        assert box.wait_for_outbound(10)
    sizes = [len(n.findall(f"{OUT}Notification")) for n in listener.notifications()]
    assert sorted(sizes) == [50, 100]
    first = listener.notifications()[0].find(f"{OUT}Notification/{OUT}sObject/{SF}NumberOfEmployees")
    assert first is not None and first.text == "150"  # the state when sent, not when triggered


def test_duplicates_are_possible_and_carry_the_same_notification_ids(
    receiver: tuple[Receiver, str], receiver_tls: TlsFiles
) -> None:
    listener, url = receiver
    with SalesforceSandbox(accounts=10, seed=5, as_of=AS_OF, outbound_backoff=FAST, outbound_duplicate_rate=1.0) as box:
        box.add_outbound_rule("Account", ["Name"], url, verify=str(receiver_tls.ca_pem))
        box.update_record("Account", box.ids("Account")[1], {"Rating": "Cold"})
        assert box.wait_for_outbound(10)
    ids = [n.findtext(f"{OUT}Notification/{OUT}Id") for n in listener.notifications()]
    assert len(ids) == 2 and len(set(ids)) == 1
