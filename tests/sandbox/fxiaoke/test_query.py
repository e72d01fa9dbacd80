"""`/cgi/crm/v2/data/query` as reference fxiaoke.md §2 "Query" documents it."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.fxiaoke import FxiaokeSandbox
from tests.sandbox.fxiaoke.conftest import ROOMY, ClientFactory, FxApi, SandboxFactory, flt, ok


def rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return list(ok(answer)["data"]["dataList"])


def test_a_page_is_data_datalist_with_offset_limit_and_total(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Query, response: data.dataList[], data.offset, data.limit, data.total (query_response_datalist.json).
    answer = ok(api.query("AccountObj", limit=5, offset=5))
    assert answer["errorMessage"] == "OK" and answer["errorDescription"] == "success" and answer["traceId"]
    data = answer["data"]
    assert set(data) == {"dataList", "offset", "limit", "total"}
    assert (data["offset"], data["limit"], data["total"]) == (5, 5, 12)
    assert len(data["dataList"]) == 5
    assert {r["_id"] for r in data["dataList"]} <= set(fx.ids("AccountObj"))


def test_the_total_is_zero_when_find_explicit_total_num_is_false(api: FxApi) -> None:
    # §2: "total is 0 unless …" / the deep-paging example with find_explicit_total_num false shows total 0.
    answer = api.query("AccountObj", limit=5, data_extra={"find_explicit_total_num": False})
    assert ok(answer)["data"]["total"] == 0 and len(answer["data"]["dataList"]) == 5


def test_limit_above_100_and_an_offset_off_the_limit_grid_are_parameter_errors(api: FxApi) -> None:
    # §2 Query, paging: limit ≤ 100; offset a multiple of limit.
    assert api.query("AccountObj", limit=101)["errorCode"] == 32000
    assert api.query("AccountObj", limit=10, offset=15)["errorCode"] == 32000
    assert api.query("AccountObj", limit=0)["errorCode"] == 32000


def test_an_offset_beyond_10000_answers_10013(api: FxApi) -> None:
    # §2 Query, paging: offset ≤ 10000, beyond it errorCode 10013 "offset out of range 10000".
    answer = api.query("AccountObj", limit=100, offset=10_100)
    assert answer["errorCode"] == 10013
    assert answer["errorMessage"] == "offset out of range 10000"
    assert answer["errorDescription"] == "offset 不能超过10000"
    ok(api.query("AccountObj", limit=100, offset=10_000))  # the edge itself is allowed (and empty here)


def test_field_values_must_be_a_list(api: FxApi) -> None:
    bad = {"field_name": "name", "operator": "EQ", "field_values": "x"}
    assert api.query("AccountObj", filters=[bad])["errorCode"] == 32000


def test_unknown_fields_and_operators_are_parameter_errors(api: FxApi) -> None:
    assert api.query("AccountObj", filters=[flt("no_such_field", "EQ", "1")])["errorCode"] == 32000
    assert api.query("AccountObj", filters=[flt("name", "NE", "1")])["errorCode"] == 32000  # not-equal is N
    assert api.query("AccountObj", orders=[{"fieldName": "nope", "isAsc": True}])["errorCode"] == 32000


def test_last_modified_time_filters_take_epoch_ms_strings(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Query: time values are epoch-ms (strings in the examples); GT/GTE/LT/LTE/BETWEEN.
    stamps = sorted(r["last_modified_time"] for r in fx.records("PaymentPlanObj"))
    middle = stamps[len(stamps) // 2]
    later = rows(api.query("PaymentPlanObj", filters=[flt("last_modified_time", "GT", str(middle))]))
    from_middle = rows(api.query("PaymentPlanObj", filters=[flt("last_modified_time", "GTE", str(middle))]))
    earlier = rows(api.query("PaymentPlanObj", filters=[flt("last_modified_time", "LT", str(middle))]))
    between = rows(api.query("PaymentPlanObj", filters=[flt("last_modified_time", "BETWEEN", str(stamps[0]), middle)]))
    assert len(later) == sum(1 for s in stamps if s > middle)
    assert len(from_middle) == sum(1 for s in stamps if s >= middle)
    assert len(earlier) + len(from_middle) == len(stamps)
    assert len(between) == sum(1 for s in stamps if s <= middle)
    assert all(r["last_modified_time"] > middle for r in later)


def test_a_write_moves_last_modified_time_past_a_watermark(fx: FxiaokeSandbox, api: FxApi) -> None:
    watermark = max(r["last_modified_time"] for r in fx.records("AccountObj"))
    assert rows(api.query("AccountObj", filters=[flt("last_modified_time", "GT", str(watermark))])) == []
    target = fx.ids("AccountObj")[3]
    fx.update_record("AccountObj", target, {"tel": "021-5555"})
    changed = rows(api.query("AccountObj", filters=[flt("last_modified_time", "GT", str(watermark))]))
    assert [r["_id"] for r in changed] == [target]
    assert changed[0]["tel"] == "021-5555"


def test_orders_sort_by_fieldname_and_isasc_with_id_breaking_ties(api: FxApi) -> None:
    # §2 Query: orders[{fieldName, isAsc}] (camel case, unlike filters' field_name).
    up = rows(api.query("PaymentPlanObj", orders=[{"fieldName": "plan_payment_time", "isAsc": True}]))
    down = rows(api.query("PaymentPlanObj", orders=[{"fieldName": "plan_payment_time", "isAsc": False}]))
    assert [r["plan_payment_time"] for r in up] == sorted(r["plan_payment_time"] for r in up)
    assert [r["plan_payment_time"] for r in down] == sorted((r["plan_payment_time"] for r in down), reverse=True)
    money = rows(api.query("PaymentPlanObj", orders=[{"fieldName": "plan_payment_amount", "isAsc": True}]))
    amounts = [float(r["plan_payment_amount"]) for r in money]
    assert amounts == sorted(amounts)  # numerically, though the wire carries strings


def test_field_projection_returns_only_the_named_fields_and_id(api: FxApi) -> None:
    # §2 Query: fieldProjection[] (the deep-paging example returns just `_id`).
    page = rows(api.query("AccountObj", limit=3, fieldProjection=["name", "account_id__r", "nope"]))
    assert all(set(r) == {"_id", "name"} for r in page)
    only_id = rows(api.query("AccountObj", limit=3, fieldProjection=["_id"]))
    assert all(set(r) == {"_id"} for r in only_id)


def test_null_fields_are_left_out_unless_include_null(api: FxApi) -> None:
    # §2 Query: null fields omitted unless top-level includeNull: true.
    body = {"dataObjectApiName": "AccountObj", "search_query_info": {"limit": 100, "offset": 0, "filters": []}}
    plain = rows(api.post("/cgi/crm/v2/data/query", {"data": body}))
    full = rows(api.post("/cgi/crm/v2/data/query", {"includeNull": True, "data": body}))
    assert any("parent_account_id" not in r for r in plain)
    assert all("parent_account_id" in r for r in full)
    assert any(r["parent_account_id"] is None for r in full)


def test_documented_operators(fx: FxiaokeSandbox, api: FxApi) -> None:
    # §2 Query: EQ N GT GTE LT LTE LIKE NLIKE IS ISN IN NIN BETWEEN NBETWEEN STARTWITH ENDWITH HASANYOF NHASANYOF.
    accounts = fx.records("AccountObj")
    name = accounts[0]["name"]
    total = len(accounts)
    with_parent = sum(1 for a in accounts if a.get("parent_account_id"))

    def count(*filters: dict[str, Any]) -> int:
        return len(rows(api.query("AccountObj", filters=list(filters))))

    assert count(flt("name", "EQ", name)) == 1
    assert count(flt("name", "N", name)) == total - 1
    assert count(flt("name", "LIKE", name[3:8])) >= 1
    assert count(flt("name", "NLIKE", name)) == total - 1
    assert count(flt("name", "STARTWITH", name[:6])) >= 1
    assert count(flt("name", "ENDWITH", name.split()[-1])) >= 1
    assert count(flt("parent_account_id", "IS")) == total - with_parent
    assert count(flt("parent_account_id", "ISN")) == with_parent
    assert count(flt("name", "IN", name, "nobody")) == 1
    assert count(flt("name", "NIN", name)) == total - 1
    owner = accounts[0]["owner"][0]
    owned = sum(1 for a in accounts if owner in a["owner"])
    assert count(flt("owner", "HASANYOF", owner)) == owned
    assert count(flt("owner", "NHASANYOF", owner)) == total - owned
    assert count(flt("name", "EQ", name), flt("owner", "N", owner)) == 0  # filters are ANDed


def test_the_same_shape_serves_every_preset_object(api: FxApi) -> None:
    for api_name in ("AccountObj", "SalesOrderObj", "PaymentPlanObj", "PaymentObj", "OrderPaymentObj", "PersonnelObj"):
        page = rows(api.query(api_name, limit=2))
        assert page and all(r["object_describe_api_name"] == api_name for r in page)


@pytest.fixture
def big(sandbox: SandboxFactory) -> FxiaokeSandbox:
    """A tenant with more than 10,100 payment plans, so the offset cap bites."""
    return sandbox(accounts=1_100, rate_limit=ROOMY)


def test_offset_paging_stops_at_10000_and_id_keyset_paging_reads_everything(
    big: FxiaokeSandbox, client: ClientFactory
) -> None:
    # §2 Query, paging: offset ≤ 10000 (then 10013); the documented workaround orders by _id asc,
    # keeps offset 0 and filters `_id GT <last _id>`, stopping at a short page.
    api = client(big)
    ok(api.login())
    every = big.ids("PaymentPlanObj")
    assert len(every) > 10_100
    by_id = [{"fieldName": "_id", "isAsc": True}]
    assert len(rows(api.query("PaymentPlanObj", offset=10_000, orders=by_id, fieldProjection=["_id"]))) == 100
    assert api.query("PaymentPlanObj", offset=10_100, orders=by_id)["errorCode"] == 10013
    seen: list[str] = []
    while True:
        after = [flt("_id", "GT", seen[-1])] if seen else []
        page = rows(api.query("PaymentPlanObj", filters=after, orders=by_id, fieldProjection=["_id"]))
        seen += [r["_id"] for r in page]
        if len(page) < 100:
            break
    assert seen == every
