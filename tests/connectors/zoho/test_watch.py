"""Notification channels: opened and renewed under Zoho's one-week cap; callbacks verified by token and channel."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import responses

from connectors.base import Change, PushChannel
from connectors.errors import ConfigError, NotificationRejected
from connectors.zoho.watch import notify_url
from tests.connectors.zoho.builders import API, T0, Kit, kit, settings
from tests.connectors.zoho.conftest import grant

WATCH_URL = f"{API}/crm/v8/actions/watch"
HOOK = "https://credit.example.com/webhooks/zoho/zoho"


def subscribed(channel_id: str, expiry: str = "2026-12-05T16:30:00+05:30") -> dict[str, Any]:
    event = {"channel_expiry": expiry, "resource_uri": f"{API}/crm/v8/Accounts", "resource_id": "1",
             "resource_name": "Accounts", "channel_id": channel_id}  # fmt: skip
    return {"code": "SUCCESS", "details": {"events": [event]}, "message": "Successfully subscribed",
            "status": "success"}  # fmt: skip


def _callback(k: Kit, channel_id: str = "", **overrides: Any) -> bytes:
    body = {"server_time": 1764331200000, "query_params": {}, "module": "Accounts",
            "resource_uri": f"{API}/crm/v8/Accounts", "ids": ["4876543200001000007"], "affected_fields": [],
            "operation": "update", "channel_id": channel_id, "token": "channel-token-7", **overrides}  # fmt: skip
    return json.dumps(body).encode()


def _with_channel(k: Kit, channel_id: str = "123456789012345678", days: float = 5) -> str:
    k.channels.save_channel("zoho", PushChannel(channel_id, T0 + timedelta(days=days), ("Accounts.all",), HOOK))
    return channel_id


def test_enable_asks_for_every_mapped_module_with_our_token_under_a_week(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("POST", WATCH_URL, json={"watch": [subscribed("1")]}, status=201)
    k = kit()
    channel = k.connector.enable_notifications(HOOK)
    (entry,) = json.loads(zoho_api.calls[-1].request.body)["watch"]
    assert entry["events"] == ["Accounts.all", "Invoices.all", "Sales_Orders.all"]
    assert entry["token"] == "channel-token-7" and entry["notify_url"] == HOOK
    assert entry["notify_on_related_action"] is False
    assert isinstance(entry["channel_id"], int) and str(entry["channel_id"]) == channel.channel_id
    assert entry["channel_expiry"] == "2026-12-05T11:00:00+00:00"  # 7 days less an hour: never Zoho's 1 h fallback
    assert channel.expires_at == T0 + timedelta(days=7, hours=-1)  # as Zoho granted it
    assert k.channels.load_channels("zoho") == [channel]


def test_renew_patches_only_channels_close_to_expiry(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("PATCH", WATCH_URL, json={"watch": [subscribed("222")]})
    k = kit()
    _with_channel(k, "111", days=5)
    _with_channel(k, "222", days=1)
    renewed = k.connector.renew_notifications(HOOK)
    assert [c.channel_id for c in renewed] == ["222"]
    (entry,) = json.loads(zoho_api.calls[-1].request.body)["watch"]
    assert entry["channel_id"] == 222 and zoho_api.calls[-1].request.method == "PATCH"


def test_renew_opens_a_channel_when_none_is_active(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("POST", WATCH_URL, json={"watch": [subscribed("9")]}, status=201)
    k = kit()
    _with_channel(k, "111", days=-1)  # lapsed
    (opened,) = k.connector.renew_notifications(HOOK)
    assert zoho_api.calls[-1].request.method == "POST" and opened.channel_id != "111"


def test_renew_reopens_a_channel_zoho_no_longer_knows(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    gone = {"code": "INVALID_DATA", "details": {"api_name": "channel_id"}, "message": "invalid data", "status": "error"}
    zoho_api.add("PATCH", WATCH_URL, json={"watch": [gone]}, status=400)
    zoho_api.add("POST", WATCH_URL, json={"watch": [subscribed("9")]}, status=201)
    k = kit()
    _with_channel(k, "111", days=1)
    (opened,) = k.connector.renew_notifications(HOOK)
    assert opened.channel_id != "111"


def test_channels_need_a_channel_token_of_at_most_50_characters() -> None:
    with pytest.raises(ConfigError, match="channel_token"):
        kit(channel_token=None).connector.enable_notifications(HOOK)
    with pytest.raises(ConfigError, match="50"):
        kit(channel_token="x" * 51).connector.enable_notifications(HOOK)


def test_a_genuine_callback_names_the_changed_records() -> None:
    k = kit()
    channel_id = _with_channel(k)
    note = k.connector.parse_notification(_callback(k, channel_id), {})
    assert note.changes == (Change("account", "4876543200001000007"),)
    invoices = k.connector.parse_notification(_callback(k, channel_id, module="Invoices", operation="delete"), {})
    assert invoices.changes == (Change("invoice", "4876543200001000007"),)


def test_a_redelivered_callback_has_the_same_delivery_id() -> None:
    k = kit()
    channel_id = _with_channel(k)
    first = k.connector.parse_notification(_callback(k, channel_id), {})
    again = k.connector.parse_notification(_callback(k, channel_id), {})
    later = k.connector.parse_notification(_callback(k, channel_id, server_time=1764331200999), {})
    assert first.delivery_ids == again.delivery_ids != later.delivery_ids


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"token": "guessed"}, "token"),
    ({"token": None}, "token"),
    ({"channel_id": "999"}, "channel"),
    ({"ids": ["1; drop"]}, "ids"),
])  # fmt: skip
def test_callbacks_that_fail_verification_are_rejected(overrides: dict[str, Any], reason: str) -> None:
    k = kit()
    body = {"channel_id": _with_channel(k), **overrides}
    with pytest.raises(NotificationRejected, match=reason):
        k.connector.parse_notification(_callback(k, **body), {})


def test_a_callback_on_an_expired_channel_is_rejected() -> None:
    k = kit()
    channel_id = _with_channel(k, days=1)
    k.clock.advance(86400 + 1)
    with pytest.raises(NotificationRejected, match="expired"):
        k.connector.parse_notification(_callback(k, channel_id), {})


def test_without_a_configured_token_nothing_is_accepted() -> None:
    k = kit(settings(channel_token=None))
    channel_id = _with_channel(k)
    with pytest.raises(NotificationRejected):
        k.connector.parse_notification(_callback(k, channel_id, token=""), {})


def test_affected_values_come_along_made_plain() -> None:
    k = kit()
    channel_id = _with_channel(k)
    values = [{"record_id": "4876543200001000007", "values": {"Owner": {"name": "A", "id": "4876543100001000001"},
                                                              "Annual_Revenue": 10.5}}]  # fmt: skip
    note = k.connector.parse_notification(_callback(k, channel_id, affected_values=values), {})
    assert note.values == {"4876543200001000007": {"Owner": "4876543100001000001", "Annual_Revenue": 10.5}}


def test_the_notify_url_is_zoho_endpoint_of_the_source() -> None:
    assert notify_url("https://credit.example.com/", "zoho-eu") == "https://credit.example.com/webhooks/zoho/zoho-eu"
    with pytest.raises(ConfigError, match="public_url"):
        notify_url("", "zoho")
