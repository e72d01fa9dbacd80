"""SOQL built from checked pieces: documented literal forms, escapes, ids, window bounds, IN-list chunks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connectors.base import Cursor, Window
from connectors.errors import ConfigError
from connectors.salesforce import soql

ID18 = "001D000000IRFmaIAH"


def test_datetime_literals_take_the_documented_z_form_in_utc() -> None:
    moment = datetime(2026, 3, 1, 9, 30, 15, 999_000, tzinfo=timezone(timedelta(hours=2)))
    assert soql.datetime_literal(moment) == "2026-03-01T07:30:15Z"
    with pytest.raises(ValueError):
        soql.datetime_literal(datetime(2026, 3, 1))


def test_string_literals_escape_quotes_backslashes_and_newlines() -> None:
    assert soql.quote_string("O'Brien \\ Sons\n") == "'O\\'Brien \\\\ Sons\\n'"


@pytest.mark.parametrize("name", ["Account", "Credit_Limit__c", "blng__Invoice__c", "Name"])
def test_api_names_of_the_allowed_shape_pass(name: str) -> None:
    assert soql.checked_name(name) == name


@pytest.mark.parametrize("name", ["Name FROM User--", "Id,Name", "x'y", "", "1Field", "a b", "Name)"])
def test_anything_else_is_refused_before_it_reaches_a_query(name: str) -> None:
    with pytest.raises(ConfigError):
        soql.checked_name(name)


def test_ids_are_checked_by_shape_and_checksum() -> None:
    assert soql.is_record_id("001D000000IRFma") and soql.is_record_id(ID18)
    assert soql.to18("001D000000IRFma") == ID18
    assert not soql.is_record_id("001D000000IRFmaAAA")  # wrong checksum
    assert not soql.is_record_id("001' OR Id != '")
    with pytest.raises(ValueError):
        soql.quote_id("' OR Name != '")


def test_a_window_is_inclusive_at_its_start_and_exclusive_at_its_end_in_whole_seconds() -> None:
    window = Window(datetime(2026, 1, 1, 10, 0, 0, 400_000, tzinfo=UTC), datetime(2026, 1, 1, 11, 0, 0, 1, tzinfo=UTC))
    clause = soql.window_clause(window)
    # Salesforce stamps are whole seconds: stamp >= 10:00:00.4 means >= 10:00:00 … (no stamp in between)
    # and stamp < 11:00:00.000001 means < 11:00:01 (the 11:00:00 stamp belongs to this window).
    assert clause == "SystemModstamp >= 2026-01-01T10:00:00Z AND SystemModstamp < 2026-01-01T11:00:01Z"
    exact = soql.window_clause(Window(None, datetime(2026, 1, 1, 11, tzinfo=UTC)))
    assert exact == "SystemModstamp < 2026-01-01T11:00:00Z"


def test_a_resumed_window_starts_strictly_after_the_stamp_and_id_cursor() -> None:
    after = Cursor(datetime(2026, 1, 1, 10, 30, tzinfo=UTC), ID18)
    clause = soql.window_clause(Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), after))
    assert clause.startswith(
        "(SystemModstamp > 2026-01-01T10:30:00Z OR (SystemModstamp = 2026-01-01T10:30:00Z AND Id > '" + ID18 + "'))"
    )


def test_id_lists_are_cut_to_fit_the_room_and_skip_malformed_ids() -> None:
    ids = [soql.to18(f"001D00000{n:06d}") for n in range(1000)] + ["not-an-id"]
    chunks = list(soql.id_chunks(ids, 2_000))
    assert sum(len(c) for c in chunks) == 1000
    assert all(len(soql.in_list(c)) <= 2_000 for c in chunks)
    assert len(chunks) == -(-1000 // (2_000 // 21))
