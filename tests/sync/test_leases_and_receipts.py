"""Leases and webhook receipts in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import PushChannel
from sync.store import Store
from sync.store.channels import StoreChannelStore
from sync.store.leases import holder, release, try_acquire, try_acquire_many
from sync.store.receipts import accept_signature_once, purge_receipts, remember_deliveries, seen_deliveries

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def test_a_lease_is_held_by_one_owner_until_released_or_expired(store: Store) -> None:
    with store.write() as conn:
        assert try_acquire(conn, "group:sf:A1", "w1", T0, TTL)
        assert not try_acquire(conn, "group:sf:A1", "w2", T0 + timedelta(minutes=1), TTL)
        assert try_acquire(conn, "group:sf:A1", "w1", T0 + timedelta(minutes=1), TTL)  # the holder renews
        assert holder(conn, "group:sf:A1", T0) == "w1"
        release(conn, ["group:sf:A1"], "w2")  # not w2's to give back
        assert holder(conn, "group:sf:A1", T0) == "w1"
        release(conn, ["group:sf:A1"], "w1")
        assert try_acquire(conn, "group:sf:A1", "w2", T0, TTL)
        # w2 died holding it: the lease lapses and w3 takes over
        assert try_acquire(conn, "group:sf:A1", "w3", T0 + TTL + timedelta(seconds=1), TTL)


def test_many_leases_are_taken_in_one_go_except_those_another_owner_holds(store: Store) -> None:
    later = T0 + timedelta(minutes=1)
    with store.write() as conn:
        assert try_acquire(conn, "group:sf:held", "w2", T0, TTL)
        assert try_acquire(conn, "group:sf:lapsed", "w2", T0 - TTL - TTL, TTL)
        assert try_acquire(conn, "group:sf:mine", "w1", T0, TTL)
        names = ["group:sf:free", "group:sf:held", "group:sf:lapsed", "group:sf:mine", "group:sf:free"]
        assert try_acquire_many(conn, names, "w1", later, TTL) == {"group:sf:free", "group:sf:lapsed", "group:sf:mine"}
        assert holder(conn, "group:sf:held", later) == "w2"
        assert {holder(conn, f"group:sf:{n}", later + TTL - timedelta(seconds=1)) for n in ("free", "mine")} == {"w1"}
        assert try_acquire_many(conn, [], "w1", later, TTL) == set()


def test_a_delivery_id_and_a_signature_are_new_only_once(store: Store) -> None:
    with store.write() as conn:
        assert remember_deliveries(conn, "sf", ["04l1", "04l2", "04l1"], T0) == 2
        assert remember_deliveries(conn, "sf", ["04l2", "04l3"], T0) == 1
        assert seen_deliveries(conn, "sf", ["04l1", "04l9"]) == {"04l1"}
        assert seen_deliveries(conn, "zoho", ["04l1"]) == set()
        assert accept_signature_once(conn, "generic", "ab" * 32, T0)
        assert not accept_signature_once(conn, "generic", "ab" * 32, T0)
        assert purge_receipts(conn, T0 + timedelta(days=2)) == 4
        assert seen_deliveries(conn, "sf", ["04l1"]) == set()


def test_push_channels_are_saved_and_replaced_by_channel_id(store: Store) -> None:
    channels = StoreChannelStore(store.engine)
    first = PushChannel("1000000000000000001", T0 + timedelta(days=6), ("Accounts.all",), "https://x/webhooks/zoho/z")
    channels.save_channel("z", first)
    renewed = PushChannel(first.channel_id, T0 + timedelta(days=7), first.events, first.notify_url)
    channels.save_channel("z", renewed)
    assert channels.load_channels("z") == [renewed]
    assert channels.load_channels("other") == []
