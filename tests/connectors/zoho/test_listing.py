"""The incremental walk: (stamp, id) order over Zoho's Modified_Time-only sort, paging, reach, resume."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.base import Cursor, SourceRecord, Window
from connectors.zoho.listing import ModifiedWalk
from tests.connectors.zoho.builders import API, T0, kit
from tests.connectors.zoho.conftest import grant, page, row

LIST_URL = f"{API}/crm/v8/Invoices"
IST = timezone(timedelta(hours=5, minutes=30))


def at(second: int) -> str:
    """A Zoho stamp `second` seconds after T0, written with the org's +05:30 offset."""
    return (T0 + timedelta(seconds=second)).astimezone(IST).isoformat(timespec="seconds")


def rid(n: int) -> str:
    return str(4876543300001000000 + n)


def _walk(mock: responses.RequestsMock, window: Window, reach: int = 100_000) -> tuple[list[SourceRecord], Any]:
    grant(mock)
    k = kit()
    connector = k.connector
    connector._usable["invoice"] = ["Account_Name", "Grand_Total", "Modified_Time"]  # as check_mapping leaves it
    connector.catalog._modules.clear()
    mock.add("GET", f"{API}/crm/v8/settings/fields", json={"fields": [
        {"api_name": "Account_Name", "data_type": "lookup"}, {"api_name": "Grand_Total", "data_type": "currency"},
        {"api_name": "Modified_Time", "data_type": "datetime"}]})  # fmt: skip
    walk = ModifiedWalk(connector.client, "Invoices", connector._fields("invoice"),
                        connector.reader.to_record(connector._fields("invoice"), connector._types("invoice")),
                        reach=reach)  # fmt: skip
    return list(walk.records(window)), walk


def _list_calls(mock: responses.RequestsMock) -> list[tuple[dict[str, list[str]], str | None]]:
    calls = [c for c in mock.calls if urlsplit(c.request.url).path == "/crm/v8/Invoices"]
    return [(parse_qs(urlsplit(c.request.url).query), c.request.headers.get("If-Modified-Since")) for c in calls]


def test_rows_sharing_a_second_across_a_page_break_come_out_by_id(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(3), at(1)), row(rid(9), at(2))], token="t1"))
    zoho_api.add("GET", LIST_URL, json=page([row(rid(5), at(2)), row(rid(1), at(3))]))
    records, _ = _walk(zoho_api, Window(None, T0 + timedelta(hours=1)))
    assert [(r.stamp, r.crm_id) for r in records] == sorted((r.stamp, r.crm_id) for r in records)
    assert [r.crm_id for r in records] == [rid(3), rid(5), rid(9), rid(1)]


def test_values_are_plain_lookups_ids_and_stamps_aware_utc(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(1), at(1), Account_Name={"name": "Acme", "id": rid(77)},
                                                 Grand_Total=120.5)]))  # fmt: skip
    (record,), _ = _walk(zoho_api, Window(None, T0 + timedelta(hours=1)))
    assert record.stamp == T0 + timedelta(seconds=1) and record.stamp.tzinfo is not None
    assert record.stamp.utcoffset() == timedelta(0)
    assert record.fields["Account_Name"] == rid(77)
    assert record.fields["Grand_Total"] == 120.5


def test_the_list_call_asks_zoho_for_its_documented_form(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(1), at(1))], token="t1"))
    zoho_api.add("GET", LIST_URL, json=page([row(rid(2), at(2))]))
    _walk(zoho_api, Window(T0, T0 + timedelta(hours=1)))
    (first, since1), (second, since2) = _list_calls(zoho_api)
    assert first["sort_by"] == ["Modified_Time"] and first["sort_order"] == ["asc"]
    assert first["per_page"] == ["200"] and first["page"] == ["1"]
    assert first["fields"] == ["Account_Name,Grand_Total,Modified_Time"]
    assert second["page_token"] == ["t1"] and "page" not in second  # never page together with page_token
    # One second of slack before the window start, in Zoho's documented form.
    assert since1 == since2 == "2026-11-28T11:59:59+00:00"


def test_without_tokens_pages_go_by_number_up_to_2000_rows_then_re_anchor(zoho_api: responses.RequestsMock) -> None:
    for n in range(10):
        rows = [row(rid(n * 200 + i), at(n * 200 + i)) for i in range(200)]
        zoho_api.add("GET", LIST_URL, json=page(rows, more=True))
    zoho_api.add("GET", LIST_URL, json=page([row(rid(1999), at(1999)), row(rid(2000), at(2000))], more=False))
    records, walk = _walk(zoho_api, Window(None, T0 + timedelta(hours=1)))
    assert [r.crm_id for r in records] == [rid(n) for n in range(2001)]
    calls = _list_calls(zoho_api)
    assert [q["page"] for q, _ in calls[:10]] == [[str(n)] for n in range(1, 11)]
    assert calls[10][0]["page"] == ["1"]
    assert calls[10][1] == "2026-11-28T12:33:18+00:00"  # the second still being collected, minus the slack second
    assert walk.stats.chains == 2


def test_rows_at_or_after_the_frozen_end_are_left_for_the_next_run(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(1), at(9)), row(rid(2), at(10)), row(rid(3), at(11))]))
    records, _ = _walk(zoho_api, Window(None, T0 + timedelta(seconds=10)))
    assert [r.crm_id for r in records] == [rid(1)]


def test_a_row_stamped_in_the_runs_starting_second_is_taken(zoho_api: responses.RequestsMock) -> None:
    # Zoho truncates stamps to the second: stamp 10 < a run start of 10.4 s (the next run re-reads it).
    zoho_api.add("GET", LIST_URL, json=page([row(rid(1), at(9)), row(rid(2), at(10)), row(rid(3), at(11))]))
    records, _ = _walk(zoho_api, Window(None, T0 + timedelta(seconds=10, milliseconds=400)))
    assert [r.crm_id for r in records] == [rid(1), rid(2)]


def test_a_resume_skips_exactly_what_the_checkpoint_covers(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(4), at(5)), row(rid(2), at(5)), row(rid(7), at(5)),
                                             row(rid(1), at(6))]))  # fmt: skip
    after = Cursor(T0 + timedelta(seconds=5), rid(4))
    records, _ = _walk(zoho_api, Window(T0, T0 + timedelta(hours=1), after))
    assert [r.crm_id for r in records] == [rid(7), rid(1)]
    ((_query, since),) = _list_calls(zoho_api)
    assert since == "2026-11-28T12:00:04+00:00"  # from the checkpoint's second, not the window start


def test_a_chain_is_re_anchored_before_passing_the_token_reach(zoho_api: responses.RequestsMock) -> None:
    # reach 400 stands for Zoho's 100,000: after two pages the third would pass it.
    zoho_api.add("GET", LIST_URL, json=page([row(rid(i), at(i // 2)) for i in range(200)], token="a1"))
    zoho_api.add("GET", LIST_URL, json=page([row(rid(i), at(i // 2)) for i in range(200, 400)], token="a2"))
    again = [row(rid(i), at(i // 2)) for i in range(398, 500)]  # second 199 again, then on
    zoho_api.add("GET", LIST_URL, json=page(again))
    records, walk = _walk(zoho_api, Window(None, T0 + timedelta(hours=1)), reach=400)
    assert [r.crm_id for r in records] == [rid(i) for i in range(500)]
    assert walk.stats.chains == 2
    assert _list_calls(zoho_api)[2][1] == "2026-11-28T12:03:18+00:00"  # second 199, minus the slack second


def test_an_expired_page_token_starts_a_new_chain_without_losing_rows(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(1), at(1)), row(rid(2), at(2))], token="old"))
    expired = {"code": "EXPIRED_VALUE", "details": {"api_name": "page_token"}, "message": "expired", "status": "error"}
    zoho_api.add("GET", LIST_URL, json=expired, status=400)
    zoho_api.add("GET", LIST_URL, json=page([row(rid(2), at(2)), row(rid(3), at(3))]))
    records, walk = _walk(zoho_api, Window(None, T0 + timedelta(hours=1)))
    assert [r.crm_id for r in records] == [rid(1), rid(2), rid(3)]
    assert walk.stats.chains == 2


def test_one_second_holding_a_whole_chain_is_read_by_id_through_coql(zoho_api: responses.RequestsMock) -> None:
    zoho_api.add("GET", LIST_URL, json=page([row(rid(i), at(7)) for i in range(200)], token="a1"))
    coql = f"{API}/crm/v8/coql"
    first = [{"id": rid(i), "Modified_Time": at(7), "Account_Name": {"id": rid(9)}} for i in range(0, 150)]
    zoho_api.add("POST", coql, json={"data": first, "info": {"count": 150, "more_records": True}})
    zoho_api.add("POST", coql, json={"data": [{"id": rid(150), "Modified_Time": at(7)}],
                                     "info": {"count": 1, "more_records": False}})  # fmt: skip
    zoho_api.add("GET", LIST_URL, json=page([row(rid(999), at(8))]))
    records, _ = _walk(zoho_api, Window(None, T0 + timedelta(hours=1)), reach=200)
    assert [r.crm_id for r in records] == [rid(i) for i in range(151)] + [rid(999)]
    assert records[0].fields["Account_Name"] == rid(9)
    queries = [c.request.body for c in zoho_api.calls if c.request.url == coql]
    assert b"Modified_Time = '2026-11-28T12:00:07+00:00' and id > 0 order by id asc limit 2000" in queries[0]
    assert f"id > {rid(149)} ".encode() in queries[1]
    assert _list_calls(zoho_api)[-1][1] == "2026-11-28T12:00:07+00:00"  # on from second 8, minus slack


@pytest.mark.parametrize("status", [204, 304])
def test_nothing_changed_is_an_empty_walk(zoho_api: responses.RequestsMock, status: int) -> None:
    zoho_api.add("GET", LIST_URL, status=status)
    records, _ = _walk(zoho_api, Window(T0, T0 + timedelta(hours=1)))
    assert records == []
