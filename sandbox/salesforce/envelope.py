"""The Outbound Messaging SOAP envelope Salesforce POSTs, and the Ack it insists on."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from sandbox.salesforce.wire import text_value

if TYPE_CHECKING:
    from sandbox.salesforce.outbound import OutboundRule
    from sandbox.salesforce.state import SandboxState

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
API_VERSION = "62.0"


def _sobject(state: SandboxState, rule: OutboundRule, record_id: str) -> str | None:
    table = state.org.table(rule.sobject)
    index = table.index_of(record_id) if table is not None else None
    row = table.rows[index] if table is not None and index is not None else None
    if table is None or row is None:
        return None  # hard-deleted since: nothing left to describe
    parts = [f"<sf:Id>{row[0]}</sf:Id>"]
    for name in rule.fields:
        definition = table.sobject.field(name, api_view=False)
        if definition is None or definition.name == "Id":
            continue
        value = row[definition.slot] if definition.slot < len(row) else None
        if value is not None:  # null fields are left out of the message
            parts.append(f"<sf:{definition.name}>{escape(text_value(definition.type, value))}</sf:{definition.name}>")
    return (
        f'<sObject xsi:type="sf:{table.sobject.name}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        + "".join(parts)
        + "</sObject>"
    )


def notifications_envelope(state: SandboxState, rule: OutboundRule, notifications: list[tuple[str, str]]) -> str:
    """The SOAP `notifications` call for these (notification id, record id) pairs."""
    org_id = state.org.org_id
    session = state.sessions.issue(state.org.api_user_id).token if rule.send_session_id else None
    session_xml = f"<SessionId>{escape(session)}</SessionId>" if session else '<SessionId xsi:nil="true"/>'
    items = []
    for notification_id, record_id in notifications:
        sobject = _sobject(state, rule, record_id)
        if sobject is not None:
            items.append(f"<Notification><Id>{notification_id}</Id>{sobject}</Notification>")
    base = state.base_url
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soapenv:Body><notifications xmlns="{OUTBOUND_NS}">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>{rule.action_id}</ActionId>{session_xml}"
        f"<EnterpriseUrl>{base}/services/Soap/c/{API_VERSION}/{org_id}</EnterpriseUrl>"
        f"<PartnerUrl>{base}/services/Soap/u/{API_VERSION}/{org_id}</PartnerUrl>"
        + "".join(items)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    )


def ack_ok(payload: bytes) -> bool:
    """True only for Body/notificationsResponse/Ack = true in the outbound namespace."""
    try:
        root = ElementTree.fromstring(payload)
    except ElementTree.ParseError:
        return False
    body = root.find(f"{{{SOAP_NS}}}Body") if root.tag == f"{{{SOAP_NS}}}Envelope" else None
    response = body.find(f"{{{OUTBOUND_NS}}}notificationsResponse") if body is not None else None
    ack = response.find(f"{{{OUTBOUND_NS}}}Ack") if response is not None else None
    return ack is not None and (ack.text or "").strip() in ("true", "1")
