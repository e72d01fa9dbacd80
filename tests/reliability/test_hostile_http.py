"""Hostile HTTP at `serve`: generated requests from its own OpenAPI, oversized bodies, XML bombs, forged
and replayed signatures. Nothing may answer 5xx, and every refusal changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.hostile_app import MAX_BODY_KB, SECRET, TOKEN, Hostile, hostile_app
from tests.reliability.hostile_support import BACKENDS
from tests.webhooks.test_salesforce_outbound import envelope
from webhooks.app import create_app

FAST_EXAMPLES, SLOW_EXAMPLES = 25, 400
XML = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
SOURCES = ("sf", "zoho")


@pytest.fixture(scope="module")
def sf() -> Iterator[SalesforceHarness]:
    harness = SalesforceHarness(accounts=4, seed=21)
    yield harness
    harness.close()


@pytest.fixture(scope="module")
def zoho() -> Iterator[ZohoHarness]:
    harness = ZohoHarness(accounts=4, seed=21)
    yield harness
    harness.close()


@pytest.fixture(scope="module", params=BACKENDS)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sf: SalesforceHarness, zoho: ZohoHarness
) -> Iterator[Hostile]:
    with hostile_app(request.param, tmp_path_factory.mktemp("hostile"), sf, zoho) as app:
        yield app


def _fuzz(hostile: Hostile, examples: int) -> list[str]:
    """Every operation of the app's OpenAPI with `examples` generated requests each; returns what ran."""
    api = schemathesis.openapi.from_asgi("/openapi.json", hostile.app)
    ran = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def generated(case: Any) -> None:
            _call_without_server_error(case)

        generated()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


def _call_without_server_error(case: Any) -> None:
    """Aim most generated sources at real ones (else nearly all stop at 404), then call."""
    given = case.path_parameters.get("source") if case.path_parameters else None
    if given is not None and len(given) % 3:
        case.path_parameters["source"] = SOURCES[len(given) % 3 - 1]
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"


def test_no_generated_request_gets_a_server_error(hostile: Hostile) -> None:
    ran = _fuzz(hostile, FAST_EXAMPLES)
    assert {"POST /webhooks/generic/{source}", "GET /api/accounts/{source}/{crm_id}"} <= set(ran)


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error_at_length(hostile: Hostile) -> None:
    assert _fuzz(hostile, SLOW_EXAMPLES)


# --- oversized bodies -------------------------------------------------------------------------------

ENDPOINTS = ["/webhooks/salesforce/outbound/sf", "/webhooks/zoho/zoho", "/webhooks/generic/sf"]
TOO_BIG = b"<" + b"a" * (MAX_BODY_KB * 1024) + b">"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_body_over_the_cap_is_refused_413_whether_declared_or_streamed(hostile: Hostile, path: str) -> None:
    before = hostile.footprint()
    client = hostile.client()
    declared = client.post(path, content=TOO_BIG, headers=hostile.signed(TOO_BIG))
    streamed = client.post(path, content=iter([TOO_BIG[:1024]] * (MAX_BODY_KB + 2)), headers=hostile.signed(b""))
    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert declared.json() == {"detail": "request body too large"}
    assert hostile.footprint() == before


def test_generated_bodies_that_are_correctly_signed_get_no_server_error(hostile: Hostile) -> None:
    """Past the signature check: the generic webhook's own body schema, signed, each signature used once."""
    api = schemathesis.openapi.from_asgi("/openapi.json", hostile.app)
    operation = api["/webhooks/generic/{source}"]["POST"]
    client = hostile.client()
    answered: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=FAST_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def signed(case: Any) -> None:
        raw = json.dumps(case.body).encode() if isinstance(case.body, dict | list) else str(case.body).encode()
        source = SOURCES[len(raw) % 2]
        answer = client.post(f"/webhooks/generic/{source}", content=raw, headers=hostile.signed(raw))
        assert answer.status_code < 500, answer.text
        answered.append(answer.status_code)

    signed()
    assert 202 in answered  # the schema's own valid bodies were accepted, so the fuzz got past the signature


# --- XML bombs and other hostile SOAP ---------------------------------------------------------------

SOAP_HEAD = (
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b'<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
)
SOAP_TAIL = b"</notifications></soapenv:Body></soapenv:Envelope>"
LAUGHS = b"".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">'.encode() for i in range(1, 10))
BOMBS = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">' + LAUGHS + b"]>" + SOAP_HEAD
    + b"<OrganizationId>&l9;</OrganizationId>" + SOAP_TAIL,
    "external entity": b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + SOAP_HEAD
    + b"<OrganizationId>&x;</OrganizationId>" + SOAP_TAIL,
    "parameter entity": b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd">%p;]>'
    + SOAP_HEAD + SOAP_TAIL,
    "xinclude": SOAP_HEAD + b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
    + SOAP_TAIL,
    "quadratic blowup": b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "' + b"A" * 20_000 + b'">]>' + SOAP_HEAD
    + b"<OrganizationId>" + b"&a;" * 5_000 + b"</OrganizationId>" + SOAP_TAIL,
    "deep nesting": SOAP_HEAD + b"<n>" * 8_000 + b"</n>" * 8_000 + SOAP_TAIL,
    "utf-16 bomb": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE s [<!ENTITY l0 "lol">' + LAUGHS.decode()
                    + "]>" + SOAP_HEAD.decode() + "<OrganizationId>&l9;</OrganizationId>" + SOAP_TAIL.decode()
                    ).encode("utf-16"),
    "not xml": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "unclosed": SOAP_HEAD + b"<OrganizationId>00D",
}  # fmt: skip


@pytest.mark.parametrize("body", list(BOMBS.values()), ids=list(BOMBS))
def test_an_xml_bomb_or_garbage_is_refused_400_and_changes_nothing(hostile: Hostile, body: bytes) -> None:
    assert len(body) <= MAX_BODY_KB * 1024  # each gets past the size cap: the parser itself must refuse
    before = hostile.footprint()
    answer = hostile.client().post("/webhooks/salesforce/outbound/sf", content=body, headers=XML)
    assert answer.status_code in (400, 401), answer.text
    assert "root:" not in answer.text and hostile.footprint() == before


def _soap(org_id: str, *records: tuple[str, str]) -> bytes:
    """A notifications call from `org_id` naming (sObject type, Id) pairs."""
    return envelope(org_id, *((f"04l{n:015d}", kind, record) for n, (kind, record) in enumerate(records)))


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([("Invoice__c", "a0B000000000001AAA")] * 101, "more than 100 notifications"),
        ([("Invoice__c", "a0B' OR Name != '")], "no valid Id"),
        ([("Invoice__c", "a0B000000000001XYZ")], "no valid Id"),  # a checksum that does not match
        ([("Invoice__c", "")], "no valid Id"),
    ],
)
def test_hostile_notifications_from_the_right_org_are_refused_400(
    hostile: Hostile, records: list[tuple[str, str]], reason: str
) -> None:
    before = hostile.footprint()
    body = _soap(hostile.sf.box.org_id, *records)
    answer = hostile.client().post("/webhooks/salesforce/outbound/sf", content=body, headers=XML)
    assert answer.status_code == 400 and reason in answer.json()["detail"]
    assert hostile.footprint() == before


def test_a_notification_from_another_org_is_refused_401(hostile: Hostile) -> None:
    before = hostile.footprint()
    other = hostile.sf.box.org_id[:5] + ("X" if hostile.sf.box.org_id[5] != "X" else "Y") + hostile.sf.box.org_id[6:]
    body = _soap(other, ("Invoice__c", hostile.sf.live_ids("invoice")[0]))
    answer = hostile.client().post("/webhooks/salesforce/outbound/sf", content=body, headers=XML)
    assert answer.status_code == 401 and hostile.footprint() == before


# --- forged and replayed signatures -----------------------------------------------------------------


def _generic(hostile: Hostile) -> bytes:
    return json.dumps({"object": "invoice", "ids": [hostile.sf.live_ids("invoice")[0]]}).encode()


def test_a_signature_made_with_another_secret_is_refused(hostile: Hostile) -> None:
    body = _generic(hostile)
    before = hostile.footprint()
    for secret in ("", "hostile-generic-secreT", SECRET + " ", "wrong"):
        answer = hostile.client().post(
            "/webhooks/generic/sf", content=body, headers=hostile.signed(body, secret=secret)
        )
        assert answer.status_code == 401 and answer.json() == {"detail": "signature does not match"}
    assert hostile.footprint() == before


def test_a_captured_request_cannot_be_replayed_on_any_source_process_or_spelling(hostile: Hostile) -> None:
    body = _generic(hostile)
    headers = hostile.signed(body)
    first = hostile.client().post("/webhooks/generic/sf", content=body, headers=headers)
    assert first.status_code == 202
    pending = hostile.jobs.pending()
    other_process = create_app(hostile.config, hostile.store, hostile.jobs, learn_org_ids=False)
    upper = {**headers, "X-Signature": headers["X-Signature"].upper().replace("SHA256=", "sha256=")}
    replays = [
        hostile.client().post("/webhooks/generic/sf", content=body, headers=headers),
        hostile.client().post("/webhooks/generic/zoho", content=body, headers=headers),  # another source
        TestClient(other_process).post("/webhooks/generic/sf", content=body, headers=headers),  # another serve
        hostile.client().post("/webhooks/generic/sf", content=body, headers=upper),  # the same digest, re-spelt
    ]
    other_process.state.service.close()
    assert [(r.status_code, r.json()["detail"]) for r in replays] == [(401, "signature already used")] * 4
    assert hostile.jobs.pending() == pending


@pytest.mark.parametrize(
    "stamp",
    ["+1764331200", "1764331200.0", " 1764331200", "-1", "99999999999999999999", "0x69", "1e9"],
)
def test_a_timestamp_in_any_other_spelling_is_refused(hostile: Hostile, stamp: str) -> None:
    body = _generic(hostile)
    before = hostile.footprint()
    answer = hostile.client().post("/webhooks/generic/sf", content=body, headers=hostile.signed(body, stamp=stamp))
    assert answer.status_code == 401 and hostile.footprint() == before


@pytest.mark.parametrize(
    "changes",
    [{"token": "forged"}, {"token": None}, {"channel_id": "1000000000000000778"}, {"channel_id": "1' or '1'='1"},
     {"channel_id": 10**30}, {"ids": ["1' or id > 0"]}],
)  # fmt: skip
def test_a_forged_zoho_callback_is_refused_and_changes_nothing(hostile: Hostile, changes: dict[str, Any]) -> None:
    before = hostile.footprint()
    answer = hostile.client().post("/webhooks/zoho/zoho", content=hostile.zoho_body(**changes),
                                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code in (400, 401), answer.text
    assert hostile.footprint() == before
