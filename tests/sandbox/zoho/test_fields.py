"""`GET` and `POST /crm/v8/settings/fields?module=`, per zoho.md §3."""

from __future__ import annotations

from sandbox.zoho import ZohoSandbox
from sandbox.zoho.fieldmeta import generate_api_name
from tests.sandbox.zoho.conftest import ZohoHttp


def fields_of(client: ZohoHttp, module: str) -> dict[str, dict]:
    body = client.get("/settings/fields", params={"module": module}).json()
    return {field["api_name"]: field for field in body["fields"]}


def test_metadata_describes_types_lengths_picklists_and_lookups(zoho: ZohoHttp) -> None:
    """§3 field metadata keys: api_name, field_label, data_type, json_type, custom_field, length, picklist, lookup."""
    fields = fields_of(zoho, "Accounts")
    assert fields["Annual_Revenue"]["data_type"] == "currency"
    assert fields["Annual_Revenue"]["json_type"] == "double"
    assert fields["Account_Name"]["system_mandatory"] is True
    assert fields["Parent_Account"]["lookup"]["module"]["api_name"] == "Accounts"
    assert fields["Owner"]["data_type"] == "ownerlookup"
    assert "Technology" in [v["actual_value"] for v in fields["Industry"]["pick_list_values"]]
    assert fields["Total_Assets"]["custom_field"] is True
    assert fields["Modified_Time"]["field_read_only"] is True


def test_module_parameter_is_required(zoho: ZohoHttp) -> None:
    """OAS: REQUIRED_PARAM_MISSING {param_name: module}."""
    response = zoho.get("/settings/fields")
    assert response.json()["details"] == {"param_name": "module"}


def test_write_back_fields_do_not_exist_until_created(zoho: ZohoHttp) -> None:
    """The generated org has no credit fields: a connector must create them."""
    assert not {"Credit_Limit", "Credit_Score", "Credit_Grade"} & set(fields_of(zoho, "Accounts"))


def test_created_fields_answer_with_ids_only_and_generated_api_names(client: ZohoHttp) -> None:
    """§3: the create answer carries only the id; the generated api_name is read back from metadata."""
    specs = [
        {"field_label": "Credit Limit", "data_type": "currency", "length": 16},
        {"field_label": "Credit Score (0-100)", "data_type": "integer", "length": 3},
        {"field_label": "Credit Reasons", "data_type": "textarea"},
    ]
    response = client.post("/settings/fields", params={"module": "Accounts"}, json={"fields": specs})
    assert response.status_code == 201
    results = response.json()["fields"]
    assert all(
        r["code"] == "SUCCESS" and r["message"] == "field created" and set(r["details"]) == {"id"} for r in results
    )
    by_id = {f["id"]: f for f in fields_of(client, "Accounts").values()}
    created = [by_id[r["details"]["id"]] for r in results]
    assert [f["api_name"] for f in created] == ["Credit_Limit", "Credit_Score_0_100", "Credit_Reasons"]
    assert all(f["custom_field"] for f in created)


def test_created_field_is_usable_for_reads_and_writes(client: ZohoHttp, fresh: ZohoSandbox) -> None:
    """A field created through the API can then be written with PUT and listed with `fields=`."""
    client.post(
        "/settings/fields",
        params={"module": "Accounts"},
        json={"fields": [{"field_label": "Credit Limit", "data_type": "currency"}]},
    )
    account = fresh.ids("Accounts")[0]
    assert client.put("/Accounts", json={"data": [{"id": account, "Credit_Limit": 25000}]}).status_code == 200
    row = client.get(f"/Accounts/{account}").json()["data"][0]
    assert row["Credit_Limit"] == 25000.0


def test_mixed_field_creation_is_207_and_all_failed_is_400(client: ZohoHttp) -> None:
    """OAS createFields: 207 partial success (INVALID_DATA on data_type), 400 when nothing was created."""
    mixed = client.post(
        "/settings/fields",
        params={"module": "Accounts"},
        json={
            "fields": [
                {"field_label": "Credit Grade", "data_type": "text"},
                {"field_label": "X", "data_type": "hologram"},
            ]
        },
    )
    assert mixed.status_code == 207
    assert mixed.json()["fields"][1] == {
        "code": "INVALID_DATA",
        "details": {"api_name": "data_type", "json_path": "$.fields[1].data_type"},
        "message": "invalid data",
        "status": "error",
    }
    duplicate = client.post(
        "/settings/fields",
        params={"module": "Accounts"},
        json={"fields": [{"field_label": "credit grade", "data_type": "text"}]},
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"][0]["code"] == "DUPLICATE_DATA"


def test_at_most_five_fields_per_call(client: ZohoHttp) -> None:
    """§3: max 5 per call."""
    specs = [{"field_label": f"Field {n}", "data_type": "text"} for n in range(6)]
    response = client.post("/settings/fields", params={"module": "Accounts"}, json={"fields": specs})
    assert (response.status_code, response.json()["fields"][0]["code"]) == (400, "LIMIT_EXCEEDED")


def test_length_outside_the_type_range_is_refused(client: ZohoHttp) -> None:
    """§3 data types: integer(1-9) etc."""
    spec = {"field_label": "Big Number", "data_type": "integer", "length": 12}
    response = client.post("/settings/fields", params={"module": "Accounts"}, json={"fields": [spec]})
    assert response.json()["fields"][0]["details"]["range"] == {"from": 1, "to": 9}


def test_api_name_generation_rules() -> None:
    """Only letters, digits and single underscores, starting with a letter; a taken name gets a suffix."""
    assert generate_api_name("Credit Limit", set()) == "Credit_Limit"
    assert generate_api_name("  Utilization (%) ", set()) == "Utilization"
    assert generate_api_name("30-day  DSO", set()) == "day_DSO"
    assert generate_api_name("Annual-Revenue", {"Annual_Revenue"}) == "Annual_Revenue_1"
