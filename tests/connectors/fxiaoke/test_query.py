"""Keyset paging on (last_modified_time, _id), without HTTP: a fake query that applies the filters."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest

from connectors.errors import CrmCreditError
from connectors.fxiaoke.query import PAGE, changed_rows, condition, rows_by_id, rows_of

Row = dict[str, Any]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
}


class FakeQuery:
    """`data/query` over a list of rows: ANDed filters, ordered, one page at `offset`."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.requests: list[dict[str, Any]] = []
        self.after_page: Callable[[int], None] = lambda page: None

    def __call__(self, info: dict[str, Any]) -> list[Row]:
        self.requests.append(info)
        found = [r for r in self.rows if all(self._passes(r, f) for f in info["filters"])]
        for order in reversed(info["orders"]):
            found.sort(key=lambda r: r[order["fieldName"]], reverse=not order["isAsc"])
        page = [dict(r) for r in found[info["offset"] : info["offset"] + info["limit"]]]
        self.after_page(len(self.requests))
        return page

    @staticmethod
    def _passes(row: Row, flt: dict[str, Any]) -> bool:
        value, op, wanted = row[flt["field_name"]], flt["operator"], flt["field_values"]
        if op == "IN":
            return str(value) in wanted
        target: Any = int(wanted[0]) if isinstance(value, int) else wanted[0]
        return _OPS[op](value, target)


def rows(*stamps: int) -> list[Row]:
    return [{"_id": f"{i:024x}", "last_modified_time": s} for i, s in enumerate(stamps)]


def positions(found: list[Row]) -> list[tuple[int, str]]:
    return [(r["last_modified_time"], r["_id"]) for r in found]


def test_rows_come_in_stamp_then_id_order_within_the_window() -> None:
    data = rows(*(1000 + (i * 7) % 450 for i in range(450)))
    fetch = FakeQuery(data)
    found = list(changed_rows(fetch, 1100, 1400, None, ["_id"]))
    expected = sorted((r["last_modified_time"], r["_id"]) for r in data if 1100 <= r["last_modified_time"] < 1400)
    assert positions(found) == expected  # start inclusive, end exclusive, nothing twice
    assert all(info["offset"] == 0 for info in fetch.requests)  # never offset paging


def test_a_full_read_has_no_lower_bound() -> None:
    data = rows(5, 3, 9, 1)
    found = list(changed_rows(FakeQuery(data), None, 10, None, ["_id"]))
    assert [r["last_modified_time"] for r in found] == [1, 3, 5, 9]


def test_resuming_starts_strictly_after_the_cursor_even_inside_a_shared_stamp() -> None:
    data = rows(*([500] * 5 + [600] * 3))
    cursor = (500, data[2]["_id"])
    found = list(changed_rows(FakeQuery(data), 400, 1000, cursor, ["_id"]))
    assert positions(found) == [(500, data[3]["_id"]), (500, data[4]["_id"])] + [(600, r["_id"]) for r in data[5:]]


def test_more_rows_than_a_page_on_one_stamp_are_paged_by_id() -> None:
    data = rows(*([7000] * (2 * PAGE + 30) + [7001] * 3))
    found = list(changed_rows(FakeQuery(data), 0, 8000, None, ["_id"]))
    assert positions(found) == sorted(positions(data))


def test_deep_reads_pass_ten_thousand_rows_at_offset_zero() -> None:
    data = rows(*range(10_250))
    fetch = FakeQuery(data)
    assert len(list(changed_rows(fetch, None, 20_000, None, ["_id"]))) == 10_250
    assert max(info["offset"] for info in fetch.requests) == 0


def test_a_row_changing_during_the_read_does_not_make_another_row_vanish() -> None:
    # Offset paging would skip a row here: the edited row leaves the frozen window and the rest shift left.
    data = rows(*range(100, 100 + 3 * PAGE))
    fetch = FakeQuery(data)

    def edit(page: int) -> None:
        if page == 1:
            data[10]["last_modified_time"] = 99_999  # a user edits a row already read: past the frozen end

    fetch.after_page = edit
    found = {r["_id"] for r in changed_rows(fetch, None, 10_000, None, ["_id"])}
    assert found == {r["_id"] for r in data}


def test_a_gateway_that_ignores_the_filters_cannot_loop_forever() -> None:
    data = rows(*([5] * (PAGE + 1)))

    def ignoring(info: dict[str, Any]) -> list[Row]:
        return [dict(r) for r in data[:PAGE]]

    with pytest.raises(CrmCreditError, match="no progress"):
        list(changed_rows(ignoring, None, 10, None, ["_id"]))


def test_rows_by_id_pages_on_id_with_the_extra_filters() -> None:
    data = [{**r, "account_id": "A" if i % 3 else "B"} for i, r in enumerate(rows(*range(350)))]
    fetch = FakeQuery(data)
    found = list(rows_by_id(fetch, [condition("account_id", "IN", "A")], ["_id"]))
    assert [r["_id"] for r in found] == [r["_id"] for r in data if r["account_id"] == "A"]
    assert all(info["orders"] == [{"fieldName": "_id", "isAsc": True}] for info in fetch.requests)


def test_filter_values_are_lists_of_text_and_field_names_are_checked() -> None:
    assert condition("last_modified_time", "GTE", 1_700_000_000_000) == {
        "field_name": "last_modified_time",
        "operator": "GTE",
        "field_values": ["1700000000000"],
    }
    with pytest.raises(ValueError, match="field name"):
        condition('name" OR 1=1', "EQ", "x")


def test_a_query_answer_is_read_defensively() -> None:
    assert rows_of({"data": {"dataList": [{"_id": "a"}, "junk"], "total": 0}}) == [{"_id": "a"}]
    assert rows_of({"data": {"_id": "b", "name": "one map"}}) == [{"_id": "b", "name": "one map"}]
    assert rows_of({"data": None}) == [] and rows_of({}) == []
