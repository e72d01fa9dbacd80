"""Notification channels (`/actions/watch`) and the callback body Zoho POSTs to `notify_url`.

Rules from Zoho's Enable Notifications page [zoho.md §4]: `channel_id`, `events`, `notify_url`
are mandatory; events are `{module}.{create|edit|delete|all}`; `token` ≤ 50 characters
(INVALID_DATA); `channel_expiry` may be at most one week ahead — omitted or further means one
hour. The callback carries ids only: `server_time` (epoch ms), `query_params` (the notify_url's
query), `module`, `resource_uri`, `ids`, `affected_fields`, `operation` (`insert` for a create;
`update`/`delete` as observed in real payloads), `channel_id` (a string) and `token`; with
`return_affected_field_values`, `affected_values: [{record_id, values}]`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.zoho.org import Change

WEEK_S = 7 * 86400
DEFAULT_EXPIRY_S = 3600
TOKEN_MAX = 50
OPERATIONS = ("create", "edit", "delete", "all")
CALLBACK_OPERATION = {"insert": "create", "update": "edit", "delete": "delete"}


@dataclass(frozen=True)
class Subscription:
    """One channel's subscription to one module."""

    channel_id: str
    module: str
    operations: frozenset[str]
    notify_url: str
    expires_at: int
    token: str | None = None
    return_values: bool = False
    notify_on_related_action: bool = True
    condition_fields: frozenset[str] | None = None
    condition_operator: str = "or"

    def events(self) -> list[str]:
        """The subscribed events in Zoho's `Module.operation` spelling."""
        return sorted(f"{self.module}.{op}" for op in self.operations)

    def wants(self, change: Change, now: int) -> bool:
        """Whether this change should be delivered on this channel."""
        if change.module != self.module or self.expires_at <= now:
            return False
        operation = CALLBACK_OPERATION[change.operation]
        if "all" not in self.operations and operation not in self.operations:
            return False
        if self.condition_fields is None or change.operation != "update":
            return True
        changed = [set(change.fields.get(i, ())) for i in change.ids]
        if self.condition_operator == "and":
            return any(self.condition_fields <= fields for fields in changed)
        return any(self.condition_fields & fields for fields in changed)


def expiry(requested: int | None, now: int) -> int:
    """Zoho's expiry rule: at most a week ahead; omitted or beyond a week means one hour."""
    if requested is None or requested > now + WEEK_S:
        return now + DEFAULT_EXPIRY_S
    return requested


def callback_body(
    sub: Subscription, change: Change, server_ms: int, base_url: str, values: dict[int, Any]
) -> dict[str, Any]:
    """The JSON Zoho POSTs to the channel's notify_url for one change."""
    ids = [str(i) for i in change.ids]
    affected = [{str(i): list(change.fields[i])} for i in change.ids if change.fields.get(i)]
    body: dict[str, Any] = {
        "server_time": server_ms,
        "query_params": dict(parse_qsl(urlsplit(sub.notify_url).query)),
        "module": sub.module,
        "resource_uri": f"{base_url}/crm/v8/{sub.module}",
        "ids": ids,
        "affected_fields": affected,
        "operation": change.operation,
        "channel_id": sub.channel_id,
    }
    if sub.token is not None:
        body["token"] = sub.token
    if sub.return_values and change.operation == "update":
        body["affected_values"] = [{"record_id": str(i), "values": values.get(i, {})} for i in change.ids]
    return body


class Channels:
    """Active subscriptions keyed by (channel_id, module)."""

    def __init__(self) -> None:
        self._subs: dict[tuple[str, str], Subscription] = {}
        self._lock = threading.Lock()

    def active(self, now: int) -> list[Subscription]:
        """Unexpired subscriptions (expired ones are dropped)."""
        with self._lock:
            for key in [k for k, s in self._subs.items() if s.expires_at <= now]:
                del self._subs[key]
            return list(self._subs.values())

    def of_channel(self, channel_id: str, now: int) -> list[Subscription]:
        """A channel's live subscriptions."""
        return [s for s in self.active(now) if s.channel_id == channel_id]

    def put(self, sub: Subscription) -> None:
        """Create or replace one subscription."""
        with self._lock:
            self._subs[(sub.channel_id, sub.module)] = sub

    def drop_channel(self, channel_id: str) -> list[Subscription]:
        """Remove a channel everywhere; returns what was removed."""
        with self._lock:
            gone = [s for k, s in self._subs.items() if k[0] == channel_id]
            for sub in gone:
                del self._subs[(sub.channel_id, sub.module)]
        return gone

    def matching(self, change: Change, now: int) -> list[Subscription]:
        """Subscriptions that want this change."""
        return [s for s in self.active(now) if s.wants(change, now)]
