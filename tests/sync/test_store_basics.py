"""The store opens, migrates, and round-trips records on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from credit_core.models import Account, Financials, Invoice
from sync.store import Store, database
from sync.store.codec import decode_record, encode_record, to_stamp
from sync.store.migrate import current_revision, head_revision
from sync.store.records import RecordRow, existing_ids, reconcile_unseen, stored_versions, tombstone, upsert_records
from sync.store.schema import invoices

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _invoice_row(crm_id: str, stamp: datetime, amount: str, run: int, seen: int | None = None) -> RecordRow:
    invoice = Invoice(
        source="sf",
        crm_id=crm_id,
        account_crm_id="A1",
        amount=Decimal(amount),
        currency="EUR",
        issued_on=date(2026, 10, 1),
        due_on=date(2026, 10, 31),
    )
    return RecordRow("sf", crm_id, "A1", to_stamp(stamp), False, seen, run, encode_record(invoice))


def test_a_new_store_is_at_the_newest_revision(store: Store) -> None:
    with store.engine.connect() as conn:
        assert current_revision(conn) == head_revision() is not None


def test_records_round_trip_through_their_payload() -> None:
    account = Account(
        source="sf",
        crm_id="A1",
        name="Acme ☃",
        annual_revenue=Decimal("1.10"),
        financials=Financials(ebit=Decimal("-3.5"), as_of=date(2025, 12, 31)),
        employees=12,
    )
    assert decode_record("account", "sf", "A1", encode_record(account)) == account


def test_an_amount_has_one_payload_however_many_fractional_zeros_it_was_read_with() -> None:
    def payload(amount: str) -> str:
        return _invoice_row("I1", T0, amount, run=1).payload

    assert payload("132481657.0") == payload("132481657") == payload("132481657.000")  # REST float, Bulk text
    assert payload("1000.50") == payload("1000.5") != payload("1000.05")
    assert payload("-0.0") == payload("-0") and payload("100") != payload("10")


def test_an_upsert_is_idempotent_and_marks_only_real_changes(store: Store) -> None:
    with store.write() as conn:
        upsert_records(conn, "invoice", [_invoice_row("I1", T0, "100", run=1), _invoice_row("I2", T0, "5", run=1)])
    with store.write() as conn:
        upsert_records(conn, "invoice", [_invoice_row("I1", T0, "100.0", run=2), _invoice_row("I2", T0, "6", run=2)])
        assert stored_versions(conn, "invoice", "sf", ["I1", "I9"]).keys() == {"I1"}
    with store.read() as conn:
        rows = {r.crm_id: r for r in conn.execute(sa.select(invoices))}
    assert rows["I1"].changed_run == 1 and rows["I2"].changed_run == 2
    assert decode_record("invoice", "sf", "I2", rows["I2"].payload).amount == Decimal("6")


def test_an_older_version_never_overwrites_a_newer_one(store: Store) -> None:
    later = T0.replace(hour=10)
    with store.write() as conn:
        upsert_records(conn, "invoice", [_invoice_row("I1", later, "200", run=1)])
        upsert_records(conn, "invoice", [_invoice_row("I1", T0, "100", run=2)])
    with store.read() as conn:
        payload = conn.execute(sa.select(invoices.c.payload)).scalar_one()
    assert decode_record("invoice", "sf", "I1", payload).amount == Decimal("200")


def test_tombstones_and_full_pass_reconciliation(store: Store) -> None:
    with store.write() as conn:
        upsert_records(conn, "invoice", [_invoice_row(f"I{i}", T0, "1", run=1, seen=7) for i in range(4)])
        upsert_records(conn, "invoice", [_invoice_row("I9", T0, "1", run=1, seen=6)])
        assert tombstone(conn, "invoice", "sf", ["I0", "missing"], run_id=2) == 1
        assert reconcile_unseen(conn, "invoice", "sf", 7, to_stamp(T0.replace(hour=12)), run_id=2) == 1
        assert existing_ids(conn, "invoice", "sf", ["I0", "I9", "nope"]) == {"I0", "I9"}
    with store.read() as conn:
        deleted = set(conn.execute(sa.select(invoices.c.crm_id).where(invoices.c.deleted.is_(True))).scalars())
    assert deleted == {"I0", "I9"}


def test_a_pooled_connection_the_server_closed_is_replaced_when_it_was_idle(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no server to close connections")
    with store.read() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    admin = sa.create_engine(store.engine.url)
    with admin.begin() as conn:  # a restart or idle timeout, as the pool sees it
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    monkeypatch.setattr(database, "IDLE_PING_S", 0.0)
    with store.read() as conn:
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != pid


def test_statistics_are_refreshed_for_every_store_table(store: Store) -> None:
    store.refresh_statistics()  # nothing to do on SQLite
    if store.dialect != "postgresql":
        return
    with store.read() as conn:
        analysed = conn.execute(
            sa.text(
                "SELECT relname FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
            )
        ).scalars()
        assert {"invoices", "echo_ledger", "outbox", "decisions"} <= set(analysed)
