"""`POST /crm/v8/coql`: the SELECT subset for `Modified_Time` windows, limits and errors, per zoho.md §2.4."""

from __future__ import annotations

from datetime import datetime

import pytest

from sandbox.zoho import ZohoSandbox
from tests.sandbox.zoho.conftest import ZohoHttp

LOW, HIGH = "2025-06-01T00:00:00+05:30", "2025-09-01T00:00:00+05:30"


def test_modified_time_window_returns_only_rows_inside_it(zoho: ZohoHttp) -> None:
    """§2.4: `select ... where Modified_Time >= '...' and Modified_Time < '...'`; id on every row."""
    window = f"Modified_Time >= '{LOW}' and Modified_Time < '{HIGH}'"
    query = f"select Subject, Modified_Time from Invoices where {window} order by Modified_Time asc limit 2000"  # noqa: S608
    body = zoho.coql(query).json()
    stamps = [datetime.fromisoformat(row["Modified_Time"]) for row in body["data"]]
    assert body["data"] and all("id" in row for row in body["data"])
    assert all(datetime.fromisoformat(LOW) <= s < datetime.fromisoformat(HIGH) for s in stamps)
    assert stamps == sorted(stamps)
    assert body["info"] == {"count": len(body["data"]), "more_records": False}


def test_window_matches_the_list_api(zoho: ZohoHttp, shared: ZohoSandbox) -> None:
    """COQL and the list API agree on who changed in a window."""
    query = f"select Subject from Invoices where Modified_Time between '{LOW}' and '{HIGH}' limit 2000"  # noqa: S608
    coql_ids = {row["id"] for row in zoho.coql(query).json()["data"]}
    low, high = datetime.fromisoformat(LOW), datetime.fromisoformat(HIGH)
    expected = {
        i
        for i in shared.ids("Invoices")
        if low <= datetime.fromisoformat(shared.get_record("Invoices", i)["Modified_Time"]) <= high  # type: ignore[index]
    }
    assert coql_ids == expected


def test_limit_offset_and_more_records(zoho: ZohoHttp) -> None:
    """§2.4: `limit N offset M` pages; info.more_records says whether more follow; default order id asc."""
    first = zoho.coql("select Account_Name from Accounts where id is not null limit 100").json()
    second = zoho.coql("select Account_Name from Accounts where id is not null limit 100 offset 100").json()
    both = [int(r["id"]) for r in first["data"] + second["data"]]
    assert both == sorted(both) and len(set(both)) == 200
    assert first["info"]["more_records"] is True
    comma = zoho.coql("select Account_Name from Accounts where id is not null limit 100, 100").json()
    assert comma["data"] == second["data"]


def test_lookups_come_back_with_name_and_id_and_joins_under_dotted_keys(zoho: ZohoHttp) -> None:
    """§2.4 / V7 page: lookups {name, id}; `Account_Name.Account_Name` joined value under a dotted key."""
    query = "select Subject, Account_Name, Account_Name.Account_Name, Owner from Invoices where Grand_Total > 0 limit 5"
    row = zoho.coql(query).json()["data"][0]
    assert set(row["Account_Name"]) == {"name", "id"}
    assert row["Account_Name.Account_Name"] == row["Account_Name"]["name"]
    assert set(row["Owner"]) == {"name", "id"}


def test_in_like_is_null_and_or_criteria(zoho: ZohoHttp) -> None:
    """§2.4: comparisons, in, like, is null, and/or with brackets."""
    query = (
        "select Status, Paid_On from Invoices where (Status in ('Paid', 'Cancelled') or Paid_On is null)"
        " and Subject like 'Invoice INV-%' limit 500"
    )
    rows = zoho.coql(query).json()["data"]
    assert rows and all(r["Status"] in ("Paid", "Cancelled") or r["Paid_On"] is None for r in rows)


def test_empty_result_is_204(zoho: ZohoHttp) -> None:
    """OAS executeCOQLQuery: 204 when nothing matches."""
    response = zoho.coql("select Subject from Invoices where Grand_Total > 999999999999")
    assert (response.status_code, response.content) == (204, b"")


@pytest.mark.parametrize(
    ("query", "code", "details"),
    [
        ("select Subject from Invoices", "SYNTAX_ERROR", {"clause": "where"}),
        ("update Invoices set Subject = 'x' where id = 1", "SYNTAX_ERROR", {"near": "update"}),
        (
            "select Subject from Invoices where Grand_Total > 1 and Grand_Total < 5 and Tax = 0",
            "SYNTAX_ERROR",
            {"near": "and"},
        ),
        (
            "select Nope from Invoices where id is not null",
            "INVALID_QUERY",
            {"column_name": "Nope", "clause": "select"},
        ),
        (
            "select Subject from Invoices where Subject >= 'a'",
            "INVALID_QUERY",
            {"reason": "invalid operator found", "column_name": "Subject", "operator": ">="},
        ),
        ("select Subject from Widgets where id is not null", "INVALID_MODULE", {}),
        ("select Subject from Invoices where id is not null limit 2001", "LIMIT_EXCEEDED", {"limit": 2000}),
        (
            "select Subject from Invoices where id is not null limit 2000 offset 8001",
            "LIMIT_EXCEEDED",
            {"limit": 10000},
        ),
        ("select Subject, Subject from Invoices where id is not null", "DUPLICATE_DATA", {"column_name": "Subject"}),
    ],
)
def test_coql_errors(zoho: ZohoHttp, query: str, code: str, details: dict) -> None:
    """§2.4 errors: SYNTAX_ERROR, INVALID_QUERY, LIMIT_EXCEEDED (400) with Zoho's details."""
    response = zoho.coql(query)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["details"]) == (code, details)


def test_datetime_literals_need_a_numeric_offset(zoho: ZohoHttp) -> None:
    """COQL datetimes are 'yyyy-MM-ddTHH:mm:ss+HH:mm'; a 'Z' or a naive value is refused."""
    for literal in ("2025-06-01T00:00:00Z", "2025-06-01T00:00:00", "2025-06-01"):
        response = zoho.coql(f"select Subject from Invoices where Modified_Time > '{literal}'")  # noqa: S608
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_QUERY")


def test_more_than_two_joins_is_limit_exceeded(zoho: ZohoHttp) -> None:
    """§2.4: at most 2 joins through lookups."""
    query = (
        "select Account_Name.Account_Name, Account_Name.Parent_Account.Account_Name, Owner from Invoices"
        " where Account_Name.Parent_Account.Parent_Account.Account_Name is not null"
    )
    assert zoho.coql(query).json()["code"] == "LIMIT_EXCEEDED"


def test_credits_follow_the_limit(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """§2.4: COQL costs 1/2/3 credits for LIMIT 1-200/201-1000/1001-2000."""
    spent = []
    for limit in (200, 1000, 2000):
        before = fresh.credits_used
        client.coql(f"select Subject from Invoices where id is not null limit {limit}")  # noqa: S608
        spent.append(fresh.credits_used - before)
    assert spent == [1, 2, 3]
