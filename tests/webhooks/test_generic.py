"""The signed generic webhook: accepted once, refused (and nothing changed) otherwise."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sync.store import Store
from tests.sync.queue_helpers import sqlite_queue
from tests.webhooks.conftest import SECRET, Served, make_config
from webhooks.app import create_app
from webhooks.signature import sign

BODY = {"object": "invoice", "ids": ["a0B000000000001AAA", "a0B000000000002AAA"]}


def _unchanged(served: Served) -> None:
    assert served.jobs.pending() == 0
    assert served.receipts() == 0


def test_a_signed_notification_queues_one_fetch_for_its_records(served: Served) -> None:
    answer = served.post_generic(BODY)
    assert answer.status_code == 202
    assert answer.json() == {"changes": 2, "queued": 2, "duplicate": False}
    assert served.jobs.pending() == 1


def test_records_already_pending_merge_into_the_queued_fetch(served: Served) -> None:
    served.post_generic(BODY)
    answer = served.post_generic({"object": "invoice", "ids": ["a0B000000000002AAA", "a0B000000000003AAA"]})
    assert answer.status_code == 202 and answer.json()["queued"] == 1
    assert served.jobs.pending() == 2


def test_a_replayed_signature_is_refused(served: Served) -> None:
    raw = json.dumps(BODY).encode()
    stamp = str(int(time.time()))
    headers = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, raw)}
    assert served.client.post("/webhooks/generic/sf", content=raw, headers=headers).status_code == 202
    pending = served.jobs.pending()
    again = served.client.post("/webhooks/generic/sf", content=raw, headers=headers)
    assert again.status_code == 401 and again.json() == {"detail": "signature already used"}
    assert served.jobs.pending() == pending


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X_Signature": "sha256=" + "0" * 64}, "signature does not match"),
        ({"X_Signature": ""}, "missing or malformed X-Signature"),
        ({"X_Signature": "md5=abc"}, "missing or malformed X-Signature"),
        ({"X_Timestamp": ""}, "missing or malformed X-Timestamp"),
        ({"X_Timestamp": "soon"}, "missing or malformed X-Timestamp"),
    ],
)
def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(
    served: Served, headers: dict[str, str], reason: str
) -> None:
    answer = served.post_generic(BODY, **headers)
    assert answer.status_code == 401 and answer.json() == {"detail": reason}
    _unchanged(served)


# A few seconds past the window: the stamp is truncated to whole seconds and a loaded machine may take a
# second to answer, which at ±301 could land the request back inside it.
@pytest.mark.parametrize("skew", [-305, 305])
def test_a_stale_or_future_timestamp_is_refused_even_when_correctly_signed(served: Served, skew: int) -> None:
    raw = json.dumps(BODY).encode()
    stamp = str(int(time.time()) + skew)
    headers = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, raw)}
    answer = served.client.post("/webhooks/generic/sf", content=raw, headers=headers)
    assert answer.status_code == 401 and "window" in answer.json()["detail"]
    _unchanged(served)


def test_a_signature_over_another_body_is_refused(served: Served) -> None:
    raw = json.dumps(BODY).encode()
    stamp = str(int(time.time()))
    headers = {"X-Timestamp": stamp, "X-Signature": sign(SECRET.encode(), stamp, raw)}
    tampered = raw.replace(b"001AAA", b"009AAA")
    assert served.client.post("/webhooks/generic/sf", content=tampered, headers=headers).status_code == 401
    _unchanged(served)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        {"object": "contact", "ids": ["a0B000000000001AAA"]},
        {"object": "invoice", "ids": []},
        {"object": "invoice", "ids": ["a0B000000000001AAA'; DROP TABLE accounts;--"]},
        {"object": "invoice", "ids": ["../../etc/passwd"]},
        {"object": "invoice", "ids": ["x" * 200]},
        {"object": "invoice", "ids": "a0B000000000001AAA"},
        {"object": "invoice", "ids": ["a0B000000000001AAA"], "extra": 1},
        {"object": "payment", "ids": ["a0B000000000001AAA"]},  # the source maps no payments
    ],
)
def test_a_malformed_body_with_a_good_signature_is_refused_400(served: Served, body: object) -> None:
    answer = served.post_generic(body)
    assert answer.status_code == 400
    _unchanged(served)


def test_an_oversized_body_is_refused_413_by_its_declared_length(served: Served) -> None:
    big = {"object": "invoice", "ids": [f"a0B{i:015d}" for i in range(300)]}  # > max_body_kb = 4
    answer = served.post_generic(big)
    assert answer.status_code == 413
    _unchanged(served)


def test_an_oversized_body_is_refused_413_while_streaming_without_a_length(served: Served) -> None:
    def chunks():  # no Content-Length: sent chunked, counted as it arrives
        yield b'{"object": "invoice", "ids": ['
        for i in range(300):
            yield f'"a0B{i:015d}",'.encode()
        yield b'"a0B000000000001AAA"]}'

    stamp = str(int(time.time()))
    headers = {"X-Timestamp": stamp, "X-Signature": "sha256=" + "0" * 64}
    answer = served.client.post("/webhooks/generic/sf", content=chunks(), headers=headers)
    assert answer.status_code == 413
    _unchanged(served)


def test_unknown_sources_are_404(served: Served) -> None:
    assert served.post_generic(BODY, source="nope").status_code == 404


def test_the_generic_webhook_is_off_until_a_secret_is_set(tmp_path: Path) -> None:
    config = make_config(f"sqlite:///{tmp_path / 's.db'}", f"sqlite:///{tmp_path / 'q.db'}", secret="")
    store = Store.open(config.store.url)
    jobs = sqlite_queue(tmp_path)
    with TestClient(create_app(config, store, jobs, learn_org_ids=False)) as client:
        stamp = str(int(time.time()))
        raw = json.dumps(BODY).encode()
        headers = {"X-Timestamp": stamp, "X-Signature": sign(b"", stamp, raw)}
        answer = client.post("/webhooks/generic/sf", content=raw, headers=headers)
    assert answer.status_code == 404 and "secret" in answer.json()["detail"]
    assert jobs.pending() == 0
    store.close()
    jobs.close()


def test_refusals_are_logged_without_secrets_or_signatures(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    raw = json.dumps(BODY).encode()
    stamp = str(int(time.time()))
    good = sign(SECRET.encode(), stamp, raw)
    served.client.post("/webhooks/generic/sf", content=raw, headers={"X-Timestamp": stamp, "X-Signature": good})
    served.client.post("/webhooks/generic/sf", content=raw, headers={"X-Timestamp": stamp, "X-Signature": good})
    served.post_generic(BODY, X_Signature="sha256=" + "f" * 64)
    assert "refused" in caplog.text
    for secret in (SECRET, good.removeprefix("sha256="), "f" * 64):
        assert secret not in caplog.text
