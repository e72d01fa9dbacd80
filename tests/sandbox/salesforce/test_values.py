"""Values on the wire in Salesforce's formats."""

from __future__ import annotations

import pytest

from sandbox.salesforce.values import java_double, parse_datetime_text, rest_datetime, soap_datetime
from sandbox.salesforce.wire import dumps, json_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (15000000.0, "1.5E7"),
        (99213206.0, "9.9213206E7"),
        (1234.56, "1234.56"),
        (100.0, "100.0"),
        (9999999.99, "9999999.99"),
        (0.0005, "5.0E-4"),
        (-2.5e9, "-2.5E9"),
        (0.0, "0.0"),
    ],
)
def test_doubles_are_written_as_java_writes_them(value: float, text: str) -> None:
    assert java_double(value) == text


def test_json_numbers_use_exponents_only_where_salesforce_does() -> None:
    body = dumps({"AnnualRevenue": json_number(25_000_000.0), "Amount__c": json_number(1234.5)})
    assert body == '{"AnnualRevenue":2.5E7,"Amount__c":1234.5}'


def test_datetimes_have_milliseconds_and_an_offset_without_colon() -> None:
    assert rest_datetime(1_310_000_220_000) == "2011-07-07T00:57:00.000+0000"
    assert soap_datetime(1_310_000_220_000) == "2011-07-07T00:57:00.000Z"


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2024-01-01T00:00:00Z", 1_704_067_200_000),
        ("2024-01-01T00:00:00+00:00", 1_704_067_200_000),
        ("2024-01-01T00:00:00.000000Z", 1_704_067_200_000),
        ("2024-01-01T00:00:00.408+00:00", 1_704_067_200_408),
        ("2024-01-01T05:00:00+05:00", 1_704_067_200_000),
        ("2023-12-31T19:00:00-05:00", 1_704_067_200_000),
    ],
)
def test_every_iso_datetime_form_salesforce_accepts_parses(text: str, ms: int) -> None:
    assert parse_datetime_text(text, soql=True) == ms


@pytest.mark.parametrize("text", ["2024-01-01T00:00:00", "2024-01-01", "2024-13-01T00:00:00Z", "2024-01-01 00:00:00Z"])
def test_datetimes_without_zone_or_out_of_range_are_refused(text: str) -> None:
    assert parse_datetime_text(text, soql=True) is None


def test_soql_wants_a_colon_in_the_offset_but_json_bodies_may_omit_it() -> None:
    assert parse_datetime_text("2024-01-01T00:00:00+0000", soql=True) is None
    assert parse_datetime_text("2024-01-01T00:00:00.000+0000") == 1_704_067_200_000
