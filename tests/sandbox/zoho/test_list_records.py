"""`GET /crm/v8/{module}`: parameters, paging, If-Modified-Since and shapes, per zoho.md §2.1."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from sandbox.zoho import ZohoSandbox, paging
from tests.sandbox.zoho.conftest import ZohoHttp

INFO_KEYS = {
    "call",
    "per_page",
    "next_page_token",
    "count",
    "sort_by",
    "page",
    "previous_page_token",
    "page_token_expiry",
    "sort_order",
    "email",
    "more_records",
}
OFFSET_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$")


def walk_all(zoho: ZohoHttp, module: str, fields: str, **params: object) -> list[dict]:
    """Every record: pages 1-10 by `page`, then `page_token` (what a correct client does)."""
    rows: list[dict] = []
    query = {"fields": fields, "per_page": 200, "sort_by": "Modified_Time", "sort_order": "asc", **params}
    page, token = 1, None
    while True:
        sent = {**query, "page_token": token} if token else {**query, "page": page}
        response = zoho.get(f"/{module}", params=sent)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        if not body["info"]["more_records"]:
            return rows
        page += 1
        if page * 200 > 2000:
            token = body["info"]["next_page_token"]


def test_fields_parameter_is_required(zoho: ZohoHttp) -> None:
    """§2.1 / OAS example: missing `fields` -> 400 REQUIRED_PARAM_MISSING with param_name."""
    response = zoho.get("/Accounts")
    assert response.status_code == 400
    assert response.json() == {
        "code": "REQUIRED_PARAM_MISSING",
        "status": "error",
        "details": {"param_name": "fields"},
        "message": "required param is missing",
    }


def test_more_than_fifty_fields_is_limit_exceeded(zoho: ZohoHttp) -> None:
    """§2.1: at most 50 fields -> LIMIT_EXCEEDED {limit: 50, param_name: fields}."""
    response = zoho.get("/Accounts", params={"fields": ",".join(["Account_Name"] * 51)})
    assert response.status_code == 400
    assert response.json()["code"] == "LIMIT_EXCEEDED"
    assert response.json()["details"] == {"limit": 50, "param_name": "fields"}


def test_per_page_above_two_hundred_is_refused(zoho: ZohoHttp) -> None:
    """§2.1: per_page max 200."""
    response = zoho.get("/Accounts", params={"fields": "Account_Name", "per_page": 201})
    assert response.status_code == 400
    assert response.json()["details"] == {"param_name": "per_page"}


def test_unknown_module_is_invalid_module(zoho: ZohoHttp) -> None:
    """§2.7: INVALID_MODULE for a module the org does not have."""
    response = zoho.get("/Widgets", params={"fields": "Name"})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_MODULE")


def test_page_beyond_two_thousand_records_needs_a_page_token(zoho: ZohoHttp) -> None:
    """§2.1 / OAS example: page 11 x 200 -> DISCRETE_PAGINATION_LIMIT_EXCEEDED {limit: 2000}."""
    response = zoho.get("/Invoices", params={"fields": "Subject", "page": 11, "per_page": 200})
    assert response.status_code == 400
    assert response.json() == {
        "code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
        "message": "You can only get the first 2000 records without using page_token param",
        "status": "error",
        "details": {"limit": 2000},
    }


def test_page_and_page_token_together_are_ambiguous(zoho: ZohoHttp) -> None:
    """§2.1: `page` with `page_token` -> AMBIGUITY_DURING_PROCESSING."""
    first = zoho.get("/Invoices", params={"fields": "Subject"}).json()
    token = first["info"]["next_page_token"]
    response = zoho.get("/Invoices", params={"fields": "Subject", "page": 2, "page_token": token})
    assert response.status_code == 400
    assert response.json()["code"] == "AMBIGUITY_DURING_PROCESSING"


def test_paging_past_two_thousand_with_page_token_reaches_every_record_once(
    zoho: ZohoHttp, shared: ZohoSandbox
) -> None:
    """§2.1: pages 1-10 then `next_page_token`; all ~2,800 invoices, none twice, in (Modified_Time, id) order."""
    rows = walk_all(zoho, "Invoices", "Subject,Modified_Time")
    ids = [row["id"] for row in rows]
    assert len(ids) > 2000
    assert len(set(ids)) == len(ids)
    assert set(ids) == set(shared.ids("Invoices"))
    keys = [(datetime.fromisoformat(row["Modified_Time"]), int(row["id"])) for row in rows]
    assert keys == sorted(keys)


def test_a_page_token_is_bound_to_the_other_parameters(zoho: ZohoHttp) -> None:
    """§2.1 / OAS example: altered params -> TOKEN_BOUND_DATA_MISMATCH."""
    token = zoho.get("/Invoices", params={"fields": "Subject"}).json()["info"]["next_page_token"]
    response = zoho.get("/Invoices", params={"fields": "Subject,Status", "page_token": token})
    assert response.status_code == 400
    assert response.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"
    assert response.json()["details"] == {"param_name": "page_token"}


def test_page_tokens_expire_after_a_day(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.1: tokens valid 24 h (`page_token_expiry`), then EXPIRED_VALUE."""
    body = client.get("/Invoices", params={"fields": "Subject", "per_page": 10}).json()
    expiry = datetime.fromisoformat(body["info"]["page_token_expiry"])
    assert timedelta(hours=23) < expiry - fresh.clock.now() <= timedelta(hours=24)
    fresh.advance(86400)
    client.login()
    response = client.get(
        "/Invoices", params={"fields": "Subject", "per_page": 10, "page_token": body["info"]["next_page_token"]}
    )
    assert response.json()["code"] == "EXPIRED_VALUE"


def test_page_tokens_reach_at_most_one_hundred_thousand_rows(client: ZohoHttp, monkeypatch: pytest.MonkeyPatch) -> None:
    """§2.1: tokens reach 100,000 records, then PAGINATION_LIMIT_EXCEEDED (reach scaled down to 20 here)."""
    monkeypatch.setattr(paging, "TOKEN_REACH", 20)
    params = {"fields": "Subject", "per_page": 10}
    token = client.get("/Invoices", params=params).json()["info"]["next_page_token"]
    second = client.get("/Invoices", params={**params, "page_token": token}).json()
    response = client.get("/Invoices", params={**params, "page_token": second["info"]["next_page_token"]})
    assert response.status_code == 400
    assert response.json()["code"] == "PAGINATION_LIMIT_EXCEEDED"


def test_info_block_has_every_key_and_counts_this_page(zoho: ZohoHttp) -> None:
    """§2.1: info {call, per_page, next_page_token, count, sort_by, page, previous_page_token, ...}."""
    body = zoho.get("/Accounts", params={"fields": "Account_Name", "per_page": 50, "page": 2}).json()
    assert set(body["info"]) == INFO_KEYS
    assert body["info"]["count"] == len(body["data"]) == 50
    assert (body["info"]["page"], body["info"]["sort_by"], body["info"]["sort_order"]) == (2, "id", "desc")
    assert body["info"]["more_records"] is True


def test_page_token_pages_report_the_previous_token(zoho: ZohoHttp) -> None:
    """§2.1: `previous_page_token` names the token that fetched the page before."""
    params = {"fields": "Subject", "per_page": 100}
    first = zoho.get("/Invoices", params=params).json()["info"]["next_page_token"]
    second = zoho.get("/Invoices", params={**params, "page_token": first}).json()
    third = zoho.get("/Invoices", params={**params, "page_token": second["info"]["next_page_token"]}).json()
    assert second["info"]["previous_page_token"] is None
    assert third["info"]["previous_page_token"] == first
    assert third["info"]["page"] == 3


def test_default_order_is_id_descending(zoho: ZohoHttp) -> None:
    """§2.1: sort_by defaults to id, sort_order to desc."""
    ids = [int(r["id"]) for r in zoho.get("/Accounts", params={"fields": "Account_Name"}).json()["data"]]
    assert ids == sorted(ids, reverse=True)


def test_unknown_sort_by_lists_the_supported_values(zoho: ZohoHttp) -> None:
    """§2.1: sort_by is id | Created_Time | Modified_Time."""
    response = zoho.get("/Accounts", params={"fields": "Account_Name", "sort_by": "Account_Name"})
    assert response.status_code == 400
    assert response.json()["details"]["supported_values"] == ["id", "Created_Time", "Modified_Time"]


def test_if_modified_since_returns_records_changed_at_or_after_it(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.1: `If-Modified-Since: <ISO with offset>`; the boundary second is included."""
    account = fresh.ids("Accounts")[3]
    edited = fresh.update_record("Accounts", account, {"Phone": "+1 555 0100"})
    header = {"If-Modified-Since": edited["Modified_Time"]}
    body = client.get("/Accounts", params={"fields": "Phone"}, headers=header).json()
    assert [r["id"] for r in body["data"]] == [account]


def test_if_modified_since_with_nothing_changed_is_304(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.1: 304 Not Modified when nothing changed since the header."""
    later = fresh.org.time.format_dt(fresh.clock.now() + timedelta(seconds=5))
    response = client.get("/Accounts", params={"fields": "Account_Name"}, headers={"If-Modified-Since": later})
    assert (response.status_code, response.content) == (304, b"")


def test_if_modified_since_must_use_the_documented_offset_form(zoho: ZohoHttp) -> None:
    """§2.1: the header is `2019-07-25T15:26:49+05:30`; naive, `Z` and HTTP-date forms are refused here."""
    for value in ("2026-01-01T00:00:00", "2026-01-01T00:00:00Z", "Thu, 01 Jan 2026 00:00:00 GMT"):
        response = zoho.get("/Accounts", params={"fields": "Account_Name"}, headers={"If-Modified-Since": value})
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_DATA")


def test_ids_parameter_lists_just_those_records(zoho: ZohoHttp, shared: ZohoSandbox) -> None:
    """§2.1: `ids` picks records by id (what a notification receiver fetches)."""
    wanted = shared.ids("Accounts")[5:8]
    body = zoho.get("/Accounts", params={"fields": "Account_Name", "ids": ",".join(wanted)}).json()
    assert sorted(row["id"] for row in body["data"]) == sorted(wanted)


def test_empty_module_is_204_with_no_body(zoho: ZohoHttp) -> None:
    """§2.1: 204 No Content with an empty body when nothing matches."""
    response = zoho.get("/Tasks", params={"fields": "Subject"})
    assert (response.status_code, response.content) == (204, b"")


def test_records_carry_zoho_encodings(zoho: ZohoHttp) -> None:
    """§2.1: string ids (19 digits), lookups {name, id}, Owner {name, id, email}, offset datetimes, number money."""
    fields = "Subject,Account_Name,Owner,Grand_Total,Invoice_Date,Modified_Time,Currency,Exchange_Rate"
    row = zoho.get("/Invoices", params={"fields": fields, "per_page": 1}).json()["data"][0]
    assert re.fullmatch(r"\d{19}", row["id"])
    assert set(row["Account_Name"]) == {"name", "id"} and re.fullmatch(r"\d{19}", row["Account_Name"]["id"])
    assert set(row["Owner"]) == {"name", "id", "email"}
    assert OFFSET_DATETIME.match(row["Modified_Time"])
    assert isinstance(row["Grand_Total"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["Invoice_Date"])
    assert row["Currency"] == "USD" and row["Exchange_Rate"] == 1.0


def test_native_invoices_have_no_balance_but_the_org_added_one(zoho: ZohoHttp) -> None:
    """§3: no balance field on native Invoices; this org's custom Balance_Due / Paid_On carry it."""
    fields = {f["api_name"]: f for f in zoho.get("/settings/fields", params={"module": "Invoices"}).json()["fields"]}
    assert fields["Balance_Due"]["custom_field"] is True
    assert fields["Paid_On"]["data_type"] == "date"
    assert fields["Grand_Total"]["custom_field"] is False
