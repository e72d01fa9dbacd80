"""The SOQL subset: what it accepts, what it answers, and what it refuses the way Salesforce does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce import format_soql

from sandbox.salesforce import SalesforceSandbox
from sandbox.salesforce.errors import SfError
from tests.sandbox.salesforce.conftest import AS_OF


@pytest.fixture(scope="module")
def org() -> SalesforceSandbox:
    """A seeded org queried in-process (no server needed for the parser and executor)."""
    return SalesforceSandbox(accounts=40, seed=7, as_of=AS_OF)


def refused(org: SalesforceSandbox, soql: str) -> SfError:
    with pytest.raises(SfError) as caught:
        org.query(soql)
    return caught.value


def test_parent_relationship_fields_come_back_nested_with_attributes(org: SalesforceSandbox) -> None:
    rows = org.query("SELECT Name, Account__r.Name, Account__r.Owner.Name FROM Invoice__c LIMIT 1")
    parent = rows[0]["Account__r"]
    assert isinstance(parent, dict)
    assert parent["attributes"]["type"] == "Account"  # type: ignore[index]
    assert parent["Owner"]["attributes"]["type"] == "User"  # type: ignore[index]
    assert list(rows[0]) == ["attributes", "Name", "Account__r"]


def test_a_null_lookup_renders_as_null(org: SalesforceSandbox) -> None:
    rows = org.query("SELECT Id, Parent.Name FROM Account WHERE ParentId = null LIMIT 1")
    assert rows[0]["Parent"] is None


def test_count_returns_only_the_total(org: SalesforceSandbox) -> None:
    everything = org.query("SELECT Id FROM Account")
    with org.org.lock:
        from sandbox.salesforce.soql.execute import run_query

        assert run_query(org.org.data, "SELECT COUNT() FROM Account").total == len(everything) == 40


@pytest.mark.parametrize(
    "literal",
    [
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00+00:00",
        "2025-01-01T00:00:00.000Z",
        "2025-01-01T00:00:00.000000Z",
        "2024-12-31T19:00:00-05:00",
        "2025-01-01T01:00:00.000+01:00",
    ],
)
def test_every_datetime_literal_form_selects_the_same_rows(org: SalesforceSandbox, literal: str) -> None:
    expected = {r["Id"] for r in org.query("SELECT Id FROM Invoice__c WHERE CreatedDate >= 2025-01-01T00:00:00Z")}
    got = {
        r["Id"] for r in org.query(format_soql("SELECT Id FROM Invoice__c WHERE CreatedDate >= {:literal}", literal))
    }
    everything = org.query("SELECT Id FROM Invoice__c")
    assert got == expected
    assert 0 < len(got) < len(everything)


def test_a_fractional_second_literal_is_compared_to_the_millisecond(org: SalesforceSandbox) -> None:
    row = org.query("SELECT Id, CreatedDate FROM Invoice__c LIMIT 1")[0]
    stamp = datetime.strptime(str(row["CreatedDate"]), "%Y-%m-%dT%H:%M:%S.000+0000").replace(tzinfo=UTC)
    just_after = (stamp + timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    ids = {
        r["Id"] for r in org.query(format_soql("SELECT Id FROM Invoice__c WHERE CreatedDate >= {:literal}", just_after))
    }
    assert row["Id"] not in ids


def test_date_fields_take_date_literals_and_relative_literals(org: SalesforceSandbox) -> None:
    old = org.query("SELECT Id FROM Invoice__c WHERE Due_Date__c < 2025-06-01")
    recent = org.query("SELECT Id FROM Invoice__c WHERE Due_Date__c >= 2025-06-01")
    assert len(old) + len(recent) == len(org.query("SELECT Id FROM Invoice__c"))
    assert org.query("SELECT Id FROM Invoice__c WHERE Due_Date__c > NEXT_N_DAYS:3650") == []
    assert len(org.query("SELECT Id FROM Invoice__c WHERE CreatedDate < TODAY")) == len(old) + len(recent)


@pytest.mark.parametrize(
    ("soql", "code", "words"),
    [
        ("SELECT Id FROM Invoice__c WHERE Due_Date__c > 2024-01-01T00:00:00Z", "INVALID_FIELD", "must be of type date"),
        ("SELECT Id FROM Invoice__c WHERE Due_Date__c > '2024-01-01'", "INVALID_FIELD", "should not be enclosed"),
        ("SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01", "INVALID_FIELD", "must be of type dateTime"),
        ("SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00", "MALFORMED_QUERY", "no viable"),
        ("SELECT Id FROM Account WHERE SystemModstamp > 2024-01-01T00:00:00+0000", "MALFORMED_QUERY", "no viable"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD", "should be enclosed in quotes"),
        ("SELECT Id FROM Account WHERE AnnualRevenue > '5'", "INVALID_FIELD", "must be of type currency"),
        ('SELECT Id FROM Account WHERE Name = "Acme"', "MALFORMED_QUERY", "no viable alternative"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'", "MALFORMED_QUERY", "token: OR"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected token: <EOF>"),
        ("SELECT Id, Id FROM Account", "MALFORMED_QUERY", "duplicate field selected"),
        ("SELECT Bogus__c FROM Account", "INVALID_FIELD", "No such column 'Bogus__c' on entity 'Account'"),
        ("SELECT Id FROM Bogus__c", "INVALID_TYPE", "sObject type 'Bogus__c' is not supported"),
        ("SELECT Nope__r.Name FROM Invoice__c", "INVALID_FIELD", "Didn't understand relationship 'Nope__r'"),
        ("SELECT Id FROM Account WHERE Id = '001abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field"),
        ("SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD", "can not be filtered"),
        ("SELECT Id FROM Account WHERE Name = 'it\\qs'", "MALFORMED_QUERY", "Illegal character sequence"),
        ("SELECT Id FROM Account LIMIT 5 OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "offset allowed is 2000"),
        ("SELECT Name, COUNT(Id) FROM Account", "MALFORMED_QUERY", "must be grouped or aggregated"),
    ],
)
def test_salesforce_refusals_are_reproduced(org: SalesforceSandbox, soql: str, code: str, words: str) -> None:
    error = refused(org, soql)
    assert error.status == 400
    assert error.code == code
    assert words in error.message


def test_errors_point_at_the_culprit_with_row_and_column(org: SalesforceSandbox) -> None:
    message = refused(org, "SELECT Id, Bogus__c FROM Account").message
    assert message.startswith("\nSELECT Id, Bogus__c FROM Account\n           ^\nERROR at Row:1:Column:12\n")


def test_strings_compare_case_insensitively_and_keep_their_escapes(org: SalesforceSandbox) -> None:
    name = str(org.query("SELECT Name FROM Account LIMIT 1")[0]["Name"])
    assert len(org.query(format_soql("SELECT Id FROM Account WHERE Name = {}", name.upper()))) == 1
    record_id = org.create_record("Account", {"Name": "O'Brien \\ Sons"})
    found = org.query("SELECT Id FROM Account WHERE Name = 'o\\'brien \\\\ sons'")
    assert [r["Id"] for r in found] == [record_id]


def test_like_matches_wildcards_and_escaped_wildcards(org: SalesforceSandbox) -> None:
    org.create_record("Account", {"Name": "100% Pure_Goods"})
    assert len(org.query("SELECT Id FROM Account WHERE Name LIKE '100\\% pure\\_%'")) == 1
    assert len(org.query("SELECT Id FROM Account WHERE Name LIKE '100_ Pure%'")) == 1
    assert org.query("SELECT Id FROM Account WHERE Name LIKE '100\\_%'") == []


def test_not_equal_and_not_in_include_nulls_as_soql_does(org: SalesforceSandbox) -> None:
    total = len(org.query("SELECT Id FROM Account"))
    with_parent = len(org.query("SELECT Id FROM Account WHERE ParentId != null"))
    no_rating = org.query("SELECT Id FROM Account WHERE Rating != 'Hot'")
    assert len(no_rating) == total
    assert len(org.query("SELECT Id FROM Account WHERE Rating NOT IN ('Hot', 'Cold')")) == total
    assert len(org.query("SELECT Id FROM Account WHERE NOT (ParentId != null)")) == total - with_parent


def test_in_matches_15_and_18_char_ids(org: SalesforceSandbox) -> None:
    ids = [str(r["Id"]) for r in org.query("SELECT Id FROM Account LIMIT 2")]
    rows = org.query(format_soql("SELECT Id FROM Account WHERE Id IN {}", [ids[0][:15], ids[1]]))
    assert sorted(r["Id"] for r in rows) == sorted(ids)


def test_order_by_several_keys_with_nulls_placement(org: SalesforceSandbox) -> None:
    rows = org.query("SELECT Total_Assets__c, Name FROM Account ORDER BY Total_Assets__c DESC NULLS LAST, Name ASC")
    assets = [r["Total_Assets__c"] for r in rows]
    present = [a for a in assets if a is not None]
    assert present == sorted(present, reverse=True) and assets[: len(present)] == present
    tail = [str(r["Name"]).lower() for r in rows if r["Total_Assets__c"] is None]
    assert tail == sorted(tail)
    first = org.query("SELECT Total_Assets__c FROM Account ORDER BY Total_Assets__c ASC NULLS FIRST LIMIT 1")
    assert first[0]["Total_Assets__c"] is None


def test_limit_and_offset_cut_the_ordered_rows(org: SalesforceSandbox) -> None:
    everything = [r["Id"] for r in org.query("SELECT Id FROM Invoice__c ORDER BY Name")]
    page = [r["Id"] for r in org.query("SELECT Id FROM Invoice__c ORDER BY Name LIMIT 5 OFFSET 10")]
    assert page == everything[10:15]


def test_aggregates_group_and_sum_exactly(org: SalesforceSandbox) -> None:
    groups = org.query(
        "SELECT Status__c, COUNT(Id) n, SUM(Amount__c) total FROM Invoice__c GROUP BY Status__c ORDER BY Status__c"
    )
    assert [g["Status__c"] for g in groups] == sorted(str(g["Status__c"]) for g in groups)
    assert sum(int(str(g["n"])) for g in groups) == len(org.query("SELECT Id FROM Invoice__c"))
    assert all(g["attributes"] == {"type": "AggregateResult"} for g in groups)


def test_order_is_an_object_name_after_from_and_a_clause_elsewhere(org: SalesforceSandbox) -> None:
    rows = org.query("SELECT Id FROM Order ORDER BY EffectiveDate DESC LIMIT 3")
    assert len(rows) == 3 and all(str(r["Id"]).startswith("801") for r in rows)


def test_boolean_literals_and_is_deleted(org: SalesforceSandbox) -> None:
    gone = org.ids("Order")[0]
    org.delete_record("Order", gone)
    deleted = org.query("SELECT Id FROM Order WHERE IsDeleted = true", include_deleted=True)
    assert [r["Id"] for r in deleted] == [gone]
    assert org.query("SELECT Id FROM Order WHERE IsDeleted = true") == []
    assert refused(org, "SELECT Id FROM Order WHERE IsDeleted = 'true'").code == "INVALID_FIELD"
