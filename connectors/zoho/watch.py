"""Zoho notifications: open and renew `actions/watch` channels, and verify what arrives on them.

A channel lives at most one week; asking for more (or nothing) gets one hour [zoho.md §4], so a
channel is asked for just under a week and renewed (PATCH, a later `channel_expiry`) when less than
`RENEW_WITHIN` is left — `renew_channels` is what the daily scheduler calls. Zoho signs nothing: a
callback is genuine when it echoes our `channel_token` and names a channel that is active in the
store. It carries ids only; the worker fetches the records, so a callback is a hint, never data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Change, ChannelStore, Notification, ObjectKind, PushChannel
from connectors.errors import ConfigError, NotificationRejected
from connectors.zoho.client import ZohoClient
from connectors.zoho.settings import ZohoSource
from connectors.zoho.values import format_datetime, is_zoho_id, parse_datetime, plain_value

LIFETIME = timedelta(days=7) - timedelta(hours=1)  # under Zoho's one-week cap, whatever the clock skew
RENEW_WITHIN = timedelta(days=3)  # a daily renewal may fail twice before a channel lapses
TOKEN_MAX = 50


def notify_url(public_url: str, source: str) -> str:
    """Where Zoho posts a source's callbacks: `crm-credit serve`'s `/webhooks/zoho/{source}` (DESIGN §5)."""
    if not public_url.startswith(("https://", "http://")):
        raise ConfigError("[webhooks].public_url must be the http(s) address where Zoho reaches `crm-credit serve`")
    return f"{public_url.rstrip('/')}/webhooks/zoho/{source}"


class WatchChannels:
    """The channels of one source: open, renew, and tell which are active."""

    def __init__(
        self,
        client: ZohoClient,
        settings: ZohoSource,
        source: str,
        store: ChannelStore | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.settings = settings
        self.source = source
        self.store = store
        self.clock = clock
        self._opened: dict[str, PushChannel] = {}  # used when no store is given

    def events(self) -> list[str]:
        """`Module.all` for every mapped module."""
        modules = [m.object for m in (self.settings.accounts, self.settings.invoices, self.settings.orders,
                                      self.settings.payments) if m is not None]  # fmt: skip
        return [f"{module}.all" for module in dict.fromkeys(modules)]

    def channels(self) -> list[PushChannel]:
        """Every channel known for this source (active or not)."""
        if self.store is not None:
            return self.store.load_channels(self.source)
        return list(self._opened.values())

    def active_ids(self) -> set[str]:
        """Ids of channels that have not expired."""
        now = self.clock()
        return {c.channel_id for c in self.channels() if c.expires_at > now}

    def enable(self, notify_url: str) -> PushChannel:
        """Open a new channel for every mapped module towards `notify_url`."""
        channel_id = str(10**17 + secrets.randbelow(9 * 10**17))  # Zoho's channel_id is a long
        return self._send("POST", channel_id, notify_url)

    def renew(self, notify_url: str) -> list[PushChannel]:
        """Renew channels expiring within `RENEW_WITHIN`; open one when none is active."""
        now = self.clock()
        live = [c for c in self.channels() if c.expires_at > now]
        if not live:
            return [self.enable(notify_url)]
        renewed: list[PushChannel] = []
        for channel in live:
            if channel.expires_at - now > RENEW_WITHIN:
                continue
            try:
                renewed.append(self._send("PATCH", channel.channel_id, notify_url or channel.notify_url))
            except ConfigError:
                renewed.append(self.enable(notify_url or channel.notify_url))  # Zoho forgot it: open anew
        return renewed

    def _send(self, method: str, channel_id: str, notify_url: str) -> PushChannel:
        token = self._token()
        expiry = self.clock() + LIFETIME
        # Every mapped module is watched itself, so "related action" echoes (an invoice edit shown as
        # an edit of its account) would only double the worker's fetches.
        entry = {"channel_id": int(channel_id), "events": self.events(), "notify_url": notify_url,
                 "channel_expiry": format_datetime(expiry), "token": token,
                 "notify_on_related_action": False}  # fmt: skip
        results = self.client.watch(method, [entry])
        result = results[0] if results else {}
        if result.get("status") != "success":
            raise ConfigError(f"Zoho refused the notification channel: {result.get('code')}: {result.get('message')}")
        channel = PushChannel(channel_id, _granted_expiry(result, expiry), tuple(self.events()), notify_url)
        if self.store is not None:
            self.store.save_channel(self.source, channel)
        self._opened[channel_id] = channel
        return channel

    def _token(self) -> str:
        secret = self.settings.channel_token
        if secret is None or not secret.get_secret_value():
            raise ConfigError("sources.<zoho>.channel_token is required to open Zoho notification channels")
        token = secret.get_secret_value()
        if len(token) > TOKEN_MAX:
            raise ConfigError(f"channel_token is longer than Zoho's {TOKEN_MAX} characters")
        return token


def _granted_expiry(result: Mapping[str, Any], asked: datetime) -> datetime:
    """The expiry Zoho granted (it may shorten what was asked), else what was asked."""
    details = result.get("details")
    events = details.get("events") if isinstance(details, dict) else None
    stamps = [parse_datetime(str(e["channel_expiry"])) for e in events or [] if isinstance(e, dict)
              and e.get("channel_expiry")]  # fmt: skip
    return min(stamps) if stamps else asked


def parse_callback(
    body: bytes, settings: ZohoSource, active_ids: set[str], kind_of_module: Mapping[str, ObjectKind]
) -> Notification:
    """Verify a callback (echoed token, active channel) and return the records it names."""
    try:
        data = json.loads(body)
    except ValueError:
        raise NotificationRejected("not JSON", 400) from None
    if not isinstance(data, dict):
        raise NotificationRejected("not a Zoho notification", 400)
    expected = settings.channel_token.get_secret_value() if settings.channel_token else ""
    echoed = data.get("token")
    if not expected or not isinstance(echoed, str) or not hmac.compare_digest(echoed.encode(), expected.encode()):
        raise NotificationRejected("token does not match the channel token")
    channel_id = str(data.get("channel_id") or "")
    if channel_id not in active_ids:
        raise NotificationRejected("unknown or expired channel")
    ids = data.get("ids")
    if not isinstance(ids, list) or not all(is_zoho_id(str(i)) for i in ids):
        raise NotificationRejected("ids must be Zoho record ids", 400)
    kind = kind_of_module.get(str(data.get("module") or ""))
    changes = tuple(Change(kind, str(i)) for i in ids) if kind is not None else ()
    return Notification(changes, (_delivery_id(data),), b"", "application/json", _values(data))


def _delivery_id(data: Mapping[str, Any]) -> str:
    # Zoho sends no delivery id; a retried delivery repeats the same body, so its content is the id.
    key = "|".join(str(data.get(k)) for k in ("channel_id", "server_time", "module", "operation", "ids"))
    return "zoho:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _values(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`affected_values` (sent with return_affected_field_values), made plain, by record id."""
    found: dict[str, dict[str, Any]] = {}
    for entry in data.get("affected_values") or []:
        if (
            isinstance(entry, dict)
            and is_zoho_id(str(entry.get("record_id")))
            and isinstance(entry.get("values"), dict)
        ):
            found[str(entry["record_id"])] = {k: plain_value(v, None) for k, v in entry["values"].items()}
    return found
