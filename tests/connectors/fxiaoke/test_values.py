"""Wire values: describe parsing, reads into plain values, write-back values into Fxiaoke's formats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.fxiaoke.schema import CHINA, FxField, by_label, find_field, parse_describe
from connectors.fxiaoke.values import NotWritable, reader, to_wire

GRADE = FxField("field_Gr4de__c", "信用等级", "select_one", options=(("kaYz89Lwq", "A"), ("Qw3rTy7uI", "B")))


def test_describe_is_parsed_from_a_map_or_a_list_and_inactive_fields_are_left_out() -> None:
    fields = {
        "name": {"api_name": "name", "label": "名称", "type": "text", "max_length": 100},
        "field_Ab1Cd__c": {"label": "信用额度", "type": "currency", "define_type": "custom"},
        "old": {"label": "停用", "type": "text", "is_active": False},
        "life_status": {
            "label": "生命状态",
            "type": "select_one",
            "is_readonly": True,
            "options": [{"value": "normal"}],
        },
    }
    as_map = parse_describe({"data": {"describe": {"api_name": "AccountObj", "fields": fields}}})
    as_list = parse_describe({"data": {"describe": {"fields": [{"api_name": k, **v} for k, v in fields.items()]}}})
    assert set(as_map) == set(as_list) == {"name", "field_Ab1Cd__c", "life_status"}
    assert as_map["field_Ab1Cd__c"].custom and not as_map["name"].custom
    assert as_map["name"].info().length == 100
    assert not as_map["life_status"].info().writable and as_map["life_status"].options == (("normal", "normal"),)
    assert parse_describe({"data": None}) == {} and parse_describe({}) == {}


def test_a_derived_display_field_stands_on_its_base_field_and_labels_find_fields() -> None:
    fields = {"country": FxField("country", "国家", "select_one"), GRADE.name: GRADE}
    assert find_field(fields, "country__r") is fields["country"]
    assert find_field(fields, "nope__r") is None
    assert by_label(fields, " 信用等级 ") is GRADE


def test_dates_read_as_the_day_in_the_tenants_zone() -> None:
    midnight_beijing = int(datetime(2026, 1, 31, tzinfo=CHINA).timestamp() * 1000)
    read = reader(FxField("due", "到期日", "date"))
    assert read(midnight_beijing) == "2026-01-31"  # in UTC this instant is still January 30
    assert read(str(midnight_beijing)) == "2026-01-31" and read(None) is None and read("") is None
    stamp = reader(FxField("create_time", "创建时间", "date_time"))(midnight_beijing + 1234)
    assert stamp == "2026-01-31T00:00:01.234+08:00"


def test_a_date_field_in_another_zone_uses_that_zone() -> None:
    zone = parse_describe({"data": {"describe": {"fields": {"d": {"type": "date", "time_zone": "GMT-05:00"}}}}})["d"]
    assert zone.zone == timezone(-timedelta(hours=5))
    assert reader(zone)(int(datetime(2026, 3, 1, tzinfo=zone.zone).timestamp() * 1000)) == "2026-03-01"


def test_single_valued_lists_read_as_their_value_and_write_back_options_as_labels() -> None:
    assert reader(FxField("owner", "负责人", "employee"))(["1001"]) == "1001"
    assert reader(FxField("owner", "负责人", "employee"))([]) is None
    assert reader(GRADE, by_label=True)("Qw3rTy7uI") == "B"
    assert reader(GRADE)("Qw3rTy7uI") == "Qw3rTy7uI"  # mapped fields keep the code for `map` transforms


def test_write_back_values_take_the_documented_formats() -> None:
    assert to_wire(FxField("l", "额度", "currency"), Decimal("250000")) == "250000"
    assert to_wire(FxField("s", "评分", "number"), 72) == "72"
    assert to_wire(GRADE, "B") == "Qw3rTy7uI"
    review = to_wire(FxField("r", "复核", "date"), date(2027, 1, 31))
    assert review == int(datetime(2027, 1, 31, tzinfo=CHINA).timestamp() * 1000)
    assert to_wire(FxField("t", "时间", "date_time"), datetime(2027, 1, 1, tzinfo=UTC)) == 1798761600000
    assert to_wire(FxField("n", "说明", "text", max_length=5), "short") == "short"
    assert to_wire(GRADE, None) is None


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (GRADE, "Z", "not an option"),
        (FxField("n", "说明", "text", max_length=5), "too long", "holds 5"),
        (FxField("l", "额度", "currency"), "lots", "not a number"),
        (FxField("l", "额度", "currency"), True, "not a number"),
        (FxField("r", "复核", "date"), "2027-01-31", "not a date"),
        (FxField("o", "负责人", "employee"), "1000", "does not write employee"),
    ],
)
def test_values_a_field_cannot_take_are_refused_before_sending(field: FxField, value: object, reason: str) -> None:
    with pytest.raises(NotWritable, match=reason):
        to_wire(field, value)
