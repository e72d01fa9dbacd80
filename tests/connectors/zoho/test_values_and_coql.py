"""Zoho values made plain, and COQL built only from validated names and ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.errors import ConfigError
from connectors.zoho.coql import by_lookup_query, same_second_query
from connectors.zoho.values import format_datetime, parse_datetime, plain_value, write_value

ID = "4876543200001000007"


@pytest.mark.parametrize("text", ["2026-11-28T17:30:05+05:30", "2026-11-28T12:00:05Z", "2026-11-28T04:00:05-0800"])
def test_datetimes_with_any_offset_become_the_same_aware_utc_instant(text: str) -> None:
    moment = parse_datetime(text)
    assert moment == datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC) and moment.tzinfo is UTC


def test_a_datetime_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        parse_datetime("2026-11-28T17:30:05")


def test_lookups_become_their_id_whatever_else_they_carry() -> None:
    assert plain_value({"name": "Acme", "id": ID}, "lookup") == ID
    assert plain_value({"name": "Ann", "id": ID, "email": "a@x"}, "ownerlookup") == ID
    assert plain_value({"id": ID}, None) == ID  # COQL through a join
    assert plain_value(None, "lookup") is None


def test_only_datetime_fields_are_converted() -> None:
    assert plain_value("2026-11-28T17:30:05+05:30", "datetime") == datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC)
    assert plain_value("2026-11-28T17:30:05+05:30", "text") == "2026-11-28T17:30:05+05:30"
    assert plain_value("2026-11-28", "date") == "2026-11-28"
    assert plain_value(1477.46, "currency") == 1477.46


def test_write_values_in_zohos_json_forms() -> None:
    assert write_value(Decimal("25000.00")) == 25000 and isinstance(write_value(Decimal("25000.00")), int)
    assert write_value(Decimal("0.25")) == 0.25
    assert write_value(date(2027, 1, 2)) == "2027-01-02"
    assert write_value(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05+00:00"
    assert format_datetime(parse_datetime("2026-11-28T17:30:05+05:30")) == "2026-11-28T12:00:05+00:00"


def test_coql_queries_are_made_of_checked_pieces() -> None:
    query = by_lookup_query("Invoices", ["Grand_Total", "Modified_Time"], "Account_Name", [ID, "12"], "0", 2000)
    expected = ["select Grand_Total, Modified_Time from Invoices", f"where Account_Name in ({ID}, 12) and id > 0",
                "order by id asc limit 2000"]  # fmt: skip
    assert query == " ".join(expected)
    stamp = datetime(2026, 11, 28, 12, 0, 5, tzinfo=UTC)
    assert "where Modified_Time = '2026-11-28T12:00:05+00:00' and id > 12 " in same_second_query(
        "Invoices", ["Grand_Total"], stamp, "12", 2000
    )


@pytest.mark.parametrize("bad_id", ["12) or (id > 0", "'1'", "0", "-5", "1e9", ""])
def test_an_id_that_is_not_digits_never_enters_a_query(bad_id: str) -> None:
    with pytest.raises(ValueError, match="not a Zoho record id"):
        by_lookup_query("Invoices", ["Grand_Total"], "Account_Name", [bad_id], "0", 2000)


@pytest.mark.parametrize("bad_name", ["Grand_Total from Accounts --", "a b", "Name'", "1abc"])
def test_a_name_that_is_not_an_api_name_never_enters_a_query(bad_name: str) -> None:
    with pytest.raises(ConfigError, match="not a Zoho API name"):
        by_lookup_query("Invoices", [bad_name], "Account_Name", [ID], "0", 2000)
    with pytest.raises(ConfigError):
        by_lookup_query(bad_name, ["Grand_Total"], "Account_Name", [ID], "0", 2000)


def test_in_takes_at_most_50_ids() -> None:
    with pytest.raises(ValueError, match="50"):
        by_lookup_query("Invoices", ["Grand_Total"], "Account_Name", [str(10**18 + n) for n in range(51)], "0", 200)
