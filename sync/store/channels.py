"""`connectors.base.ChannelStore` on the store: the push channels a CRM keeps open towards `serve`.

Every `serve` process checks a Zoho callback against the channels saved here (the callback's
`channel_id` must be one of them and unexpired); the daily renewal, run by whichever worker takes
it, saves what it opened or renewed.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.base import PushChannel
from sync.store.codec import from_stamp, to_stamp
from sync.store.database import read_connection, write_transaction
from sync.store.schema import push_channels


class StoreChannelStore:
    """Channels by source, shared by every process on this store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load_channels(self, source: str) -> list[PushChannel]:
        """Every channel known for `source` (expired ones too), soonest expiry first."""
        query = sa.select(push_channels).where(push_channels.c.source == source).order_by(push_channels.c.expires_at)
        with read_connection(self.engine) as conn:
            rows = conn.execute(query).all()
        return [
            PushChannel(row.channel_id, from_stamp(row.expires_at), tuple(json.loads(row.events)), row.notify_url)
            for row in rows
        ]

    def save_channel(self, source: str, channel: PushChannel) -> None:
        """Insert or replace one channel."""
        values = {
            "expires_at": to_stamp(channel.expires_at),
            "events": json.dumps(list(channel.events)),
            "notify_url": channel.notify_url,
        }
        key = (push_channels.c.source == source, push_channels.c.channel_id == channel.channel_id)
        with write_transaction(self.engine) as conn:
            if not conn.execute(sa.update(push_channels).where(*key).values(**values)).rowcount:
                conn.execute(sa.insert(push_channels).values(source=source, channel_id=channel.channel_id, **values))
