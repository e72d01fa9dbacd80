"""`/crm/v8/actions/watch` and the callbacks delivered to `notify_url`, per zoho.md §4."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import Receiver, ZohoHttp


def enable(client: ZohoHttp, receiver: Receiver, **extra: Any) -> Any:
    watch = {"channel_id": "1000000068001", "events": ["Accounts.all"], "notify_url": f"{receiver.url}?source=zoho"}
    return client.post("/actions/watch", json={"watch": [{**watch, **extra}]})


def in_a_day(sandbox: ZohoSandbox) -> str:
    return sandbox.org.time.format_dt(sandbox.clock.now() + timedelta(days=1))


def test_enable_answers_with_the_subscribed_event_details(
    client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver
) -> None:
    """§4 enable response: watch[{code SUCCESS, details.events[{channel_expiry, resource_uri, ...}], message}]."""
    response = enable(client, receiver, token="tok-123", channel_expiry=in_a_day(fresh))
    assert response.status_code == 201
    entry = response.json()["watch"][0]
    assert (entry["code"], entry["status"]) == ("SUCCESS", "success")
    assert entry["message"] == "Successfully subscribed for actions-watch of the given module"
    event = entry["details"]["events"][0]
    assert set(event) == {"channel_expiry", "resource_uri", "resource_id", "resource_name", "channel_id"}
    assert (event["resource_uri"], event["resource_name"]) == (f"{fresh.url}/crm/v8/Accounts", "Accounts")
    assert event["channel_id"] == "1000000068001"


def test_expiry_beyond_a_week_or_omitted_means_one_hour(
    client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver
) -> None:
    """§4: channel_expiry at most one week ahead; omitted or more than a week -> one hour."""
    too_far = fresh.org.time.format_dt(fresh.clock.now() + timedelta(days=8))
    for extra in ({"channel_expiry": too_far}, {}):
        event = enable(client, receiver, **extra).json()["watch"][0]["details"]["events"][0]
        lifetime = datetime.fromisoformat(event["channel_expiry"]) - fresh.clock.now()
        assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)
    week = fresh.org.time.format_dt(fresh.clock.now() + timedelta(days=7) - timedelta(seconds=5))
    kept = enable(client, receiver, channel_expiry=week).json()["watch"][0]["details"]["events"][0]
    assert kept["channel_expiry"] == week


def test_token_longer_than_fifty_characters_is_invalid_data(client: ZohoHttp, receiver: Receiver) -> None:
    """§4: INVALID_DATA when the token is longer than 50 characters."""
    response = enable(client, receiver, token="x" * 51)
    assert response.status_code == 400
    assert response.json()["watch"][0]["code"] == "INVALID_DATA"
    assert response.json()["watch"][0]["details"]["api_name"] == "token"


def test_missing_notify_url_is_mandatory_not_found(client: ZohoHttp) -> None:
    """§4: channel_id, events and notify_url are mandatory."""
    response = client.post("/actions/watch", json={"watch": [{"channel_id": "1", "events": ["Accounts.edit"]}]})
    assert response.json()["watch"][0]["code"] == "MANDATORY_NOT_FOUND"
    assert response.json()["watch"][0]["details"]["api_name"] == "notify_url"


def test_a_user_edit_is_delivered_as_zoho_sends_it(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4 callback body: ids only, plus server_time, query_params, resource_uri, operation, channel_id, token."""
    enable(client, receiver, token="tok-123", channel_expiry=in_a_day(fresh))
    account = fresh.ids("Accounts")[2]
    fresh.update_record("Accounts", account, {"Phone": "+1 555 0199"})
    body = receiver.wait(1)[0]
    assert set(body) == {
        "server_time",
        "query_params",
        "module",
        "resource_uri",
        "ids",
        "affected_fields",
        "operation",
        "channel_id",
        "token",
    }
    assert (body["module"], body["operation"], body["ids"]) == ("Accounts", "update", [account])
    assert body["affected_fields"] == [{account: ["Phone"]}]
    assert (body["channel_id"], body["token"], body["query_params"]) == ("1000000068001", "tok-123", {"source": "zoho"})
    assert isinstance(body["server_time"], int)


def test_api_writes_notify_too_with_every_id_of_the_batch(
    client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver
) -> None:
    """Zoho notifies for every change, including the app's own PUT (the product must suppress echoes)."""
    enable(client, receiver)
    ids = fresh.ids("Accounts")[:3]
    client.put("/Accounts", json={"data": [{"id": i, "Phone": "0"} for i in ids]})
    assert receiver.wait(1)[0]["ids"] == ids


def test_create_is_insert_and_delete_is_delete(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4: operation `insert` for a create; delete notifications for deletions."""
    enable(client, receiver)
    created = fresh.create_record("Accounts", {"Account_Name": "Newco Traders"})
    fresh.delete_record("Accounts", created)
    bodies = receiver.wait(2)
    assert [(b["operation"], b["ids"]) for b in bodies] == [("insert", [created]), ("delete", [created])]
    assert bodies[0]["affected_fields"] == []


def test_only_subscribed_operations_and_modules_are_delivered(
    client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver
) -> None:
    """§4: events are `{module}.{create|edit|delete|all}`."""
    enable(client, receiver, events=["Invoices.edit"])
    fresh.update_record("Accounts", fresh.ids("Accounts")[0], {"Phone": "1"})
    invoice = fresh.ids("Invoices")[0]
    fresh.update_record("Invoices", invoice, {"Balance_Due": 0})
    bodies = receiver.wait(1)
    assert [(b["module"], b["ids"]) for b in bodies] == [("Invoices", [invoice])]


def test_invoice_changes_notify_the_account_as_a_related_action(
    client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver
) -> None:
    """§4 notify_on_related_action (default true): a child record's change notifies its account."""
    enable(client, receiver)
    invoice = fresh.get_record("Invoices", fresh.ids("Invoices")[0])
    fresh.update_record("Invoices", invoice["id"], {"Balance_Due": 0})  # type: ignore[index]
    body = receiver.wait(1)[0]
    assert (body["module"], body["operation"]) == ("Accounts", "update")
    assert body["ids"] == [invoice["Account_Name"]["id"]]  # type: ignore[index]


def test_related_actions_can_be_switched_off(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4: `notify_on_related_action: false` keeps child changes quiet."""
    enable(client, receiver, notify_on_related_action=False)
    fresh.update_record("Invoices", fresh.ids("Invoices")[0], {"Balance_Due": 0})
    assert receiver.wait(1, timeout=0.5) == []


def test_affected_values_when_asked(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4: with return_affected_field_values the callback carries affected_values [{record_id, values}]."""
    enable(client, receiver, return_affected_field_values=True)
    account = fresh.ids("Accounts")[0]
    fresh.update_record("Accounts", account, {"Employees": 77})
    assert receiver.wait(1)[0]["affected_values"] == [{"record_id": account, "values": {"Employees": 77}}]


def test_failed_deliveries_are_retried(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """A non-2xx answer is retried (Zoho's policy is unverified; the sandbox retries a few times)."""
    receiver.statuses = [500, 503]
    enable(client, receiver)
    fresh.update_record("Accounts", fresh.ids("Accounts")[0], {"Phone": "2"})
    bodies = receiver.wait(3)
    assert len(bodies) == 3 and bodies[0] == bodies[2]
    assert [d.status for d in fresh.wait_for_deliveries(3)] == [500, 503, 200]


def test_expired_channels_deliver_nothing(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4: channel expiry is enforced."""
    enable(client, receiver)
    fresh.advance(3601)
    fresh.update_record("Accounts", fresh.ids("Accounts")[0], {"Phone": "3"})
    client.login()
    assert client.get("/actions/watch").status_code == 204
    assert receiver.wait(1, timeout=0.5) == []


def test_patch_renews_the_expiry_and_keeps_the_token(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4 renewal: PATCH /actions/watch updates only the keys given."""
    enable(client, receiver, token="keep-me")
    later = in_a_day(fresh)
    patch = {"channel_id": "1000000068001", "events": ["Accounts.all"], "channel_expiry": later}
    response = client.call("PATCH", "/actions/watch", json={"watch": [patch]})
    assert response.status_code == 200
    assert response.json()["watch"][0]["details"]["events"][0]["channel_expiry"] == later
    listed = client.get("/actions/watch").json()["watch"][0]
    assert (listed["token"], listed["channel_expiry"]) == ("keep-me", later)


def test_put_replaces_the_channel_and_drops_unspecified_keys(
    client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver
) -> None:
    """§4 renewal: PUT /actions/watch replaces details; keys not given are removed."""
    enable(client, receiver, token="old-token")
    replacement = {"channel_id": "1000000068001", "events": ["Invoices.edit"], "notify_url": receiver.url}
    assert client.put("/actions/watch", json={"watch": [replacement]}).status_code == 200
    listed = client.get("/actions/watch").json()["watch"]
    assert [(w["resource_name"], w["token"], w["events"]) for w in listed] == [("Invoices", None, ["Invoices.edit"])]


def test_renewing_an_unknown_channel_fails(client: ZohoHttp, receiver: Receiver) -> None:
    """PATCH/PUT need an existing channel."""
    patch = {"channel_id": "42", "events": ["Accounts.all"], "notify_url": receiver.url}
    response = client.call("PATCH", "/actions/watch", json={"watch": [patch]})
    assert (response.status_code, response.json()["watch"][0]["details"]["api_name"]) == (400, "channel_id")


def test_delete_disables_the_channel(client: ZohoHttp, fresh: ZohoSandbox, receiver: Receiver) -> None:
    """§4 / OAS disableNotifications: DELETE ?channel_ids= -> 'Successfully un-subscribed from actions-watch'."""
    enable(client, receiver)
    response = client.call("DELETE", "/actions/watch", params={"channel_ids": "1000000068001"})
    entry = response.json()["watch"][0]
    assert (response.status_code, entry["message"]) == (200, "Successfully un-subscribed from actions-watch")
    assert entry["details"]["channel_id"] == "1000000068001"
    fresh.update_record("Accounts", fresh.ids("Accounts")[0], {"Phone": "4"})
    assert receiver.wait(1, timeout=0.5) == []
