"""Outbound Messages: the SOAP `notifications` call Salesforce POSTs, parsed without trusting it.

defusedxml refuses DTDs, entity expansion and external entities (body size is capped by the web
layer). The sender is authenticated the way Salesforce documents: `OrganizationId` must be ours,
compared on the case-sensitive 15-character prefix so 15- and 18-character forms match (as the
aspnet/WebHooks receiver does). There is no signature; the Ack below is the only answer that stops
Salesforce's retries, and it is also the answer to a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree

from connectors.base import Change, Notification, ObjectKind
from connectors.errors import NotificationRejected
from connectors.salesforce import soql

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100  # Salesforce sends at most 100 per message
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b'<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    b"<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
ACK_MEDIA_TYPE = "text/xml; charset=utf-8"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _notifications_element(body: bytes) -> Element:
    try:
        root = SafeTree.fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, SafeTree.ParseError):
        raise NotificationRejected("not a well-formed SOAP message (or one with a DTD)", 400) from None
    soap_body = root.find(f"{{{SOAP_NS}}}Body") if root.tag == f"{{{SOAP_NS}}}Envelope" else None
    found = soap_body.find(f"{{{OUTBOUND_NS}}}notifications") if soap_body is not None else None
    if found is None:
        raise NotificationRejected("not an Outbound Message notifications call", 400)
    return found


def _text(parent: Element, name: str) -> str:
    child = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    return (child.text or "").strip() if child is not None else ""


def same_org(ours: str, theirs: str) -> bool:
    """15-character prefix comparison (case-sensitive, as Salesforce ids are)."""
    return len(ours) >= 15 and len(theirs) >= 15 and ours[:15] == theirs[:15]


def _sobject(notification: Element) -> tuple[str, str, dict[str, str]]:
    sobject = notification.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise NotificationRejected("a Notification without an sObject", 400)
    type_name = sobject.get(f"{{{XSI_NS}}}type", "").rpartition(":")[2]
    values: dict[str, str] = {}
    for child in sobject:
        if child.get(f"{{{XSI_NS}}}nil") == "true":
            continue
        values[_local(child.tag)] = child.text or ""
    record_id = values.pop("Id", "")
    if not soql.is_record_id(record_id):
        raise NotificationRejected("a Notification whose sObject has no valid Id", 400)
    return type_name, soql.to18(record_id), values


def parse_outbound(body: bytes, org_id: str, kinds: Mapping[str, ObjectKind]) -> Notification:
    """The verified changes of one message; `kinds` maps sObject names (lower case) to object kinds."""
    element = _notifications_element(body)
    if not same_org(org_id, _text(element, "OrganizationId")):
        raise NotificationRejected("OrganizationId does not match this source's org", 401)
    items = element.findall(f"{{{OUTBOUND_NS}}}Notification")
    if len(items) > MAX_NOTIFICATIONS:
        raise NotificationRejected(f"more than {MAX_NOTIFICATIONS} notifications in one message", 400)
    changes: list[Change] = []
    delivery_ids: list[str] = []
    values: dict[str, dict[str, str]] = {}
    for item in items:
        delivery_ids.append(_text(item, "Id"))
        type_name, record_id, fields = _sobject(item)
        kind = kinds.get(type_name.lower())
        if kind is None:
            continue  # an object this source does not map: acknowledged, nothing to do
        changes.append(Change(kind, record_id))
        values[record_id] = fields
    unique = tuple(dict.fromkeys(changes))
    return Notification(unique, tuple(d for d in delivery_ids if d), ACK, ACK_MEDIA_TYPE, values)
