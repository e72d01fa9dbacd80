"""Field metadata: checked before each run, cached for describe, refused fields reported, not guessed."""

from __future__ import annotations

import json

import pytest
import responses

from connectors.base import FieldSpec
from connectors.errors import SchemaDrift
from tests.connectors.zoho.builders import API, kit
from tests.connectors.zoho.conftest import grant

FIELDS_URL = f"{API}/crm/v8/settings/fields"


def _meta(*names: str, **types: str) -> dict[str, object]:
    return {"fields": [{"api_name": n, "field_label": n.replace("_", " "), "data_type": types.get(n, "text"),
                        "id": str(100 + i)} for i, n in enumerate(names)]}  # fmt: skip


def test_describe_is_fetched_once_and_check_mapping_fetches_afresh(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=_meta("Account_Name", "Credit_Limit", Credit_Limit="currency"))
    k = kit(invoices=None, orders=None)
    assert [(f.name, f.type) for f in k.connector.describe("Accounts")] == [("Account_Name", "text"),
                                                                          ("Credit_Limit", "currency")]  # fmt: skip
    k.connector.describe("Accounts")
    assert len([c for c in zoho_api.calls if "/settings/fields" in c.request.url]) == 1
    k.connector.check_mapping()
    assert len([c for c in zoho_api.calls if "/settings/fields" in c.request.url]) == 2


def test_a_module_zoho_does_not_have_stops_the_run_as_a_config_error(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    gone = {
        "code": "INVALID_MODULE",
        "details": {"param_name": "module"},
        "message": "not supported",
        "status": "error",
    }
    zoho_api.add("GET", FIELDS_URL, json=gone, status=400)
    with pytest.raises(SchemaDrift, match="Accounts"):
        kit().connector.check_mapping()


def test_a_refused_field_is_reported_for_the_admin_not_guessed(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("GET", FIELDS_URL, json=_meta("Account_Name"))
    duplicate = {"code": "DUPLICATE_DATA", "details": {"api_name": "field_label"}, "message": "duplicate data",
                 "status": "error"}  # fmt: skip
    created = {"code": "SUCCESS", "details": {"id": "555"}, "message": "field created", "status": "success"}
    zoho_api.add("POST", FIELDS_URL, json={"fields": [created, duplicate]}, status=207)
    zoho_api.add("GET", FIELDS_URL, json={"fields": [{"api_name": "Credit_Limit_1", "id": "555"}]})
    specs = [FieldSpec("credit_limit", "Credit_Limit", "Credit Limit", "currency"),
             FieldSpec("score", "Credit_Score", "Credit Score", "number")]  # fmt: skip
    done = kit().connector.create_fields(specs)
    assert [(d.name, d.outcome) for d in done] == [("Credit_Limit_1", "created"), ("Credit_Score", "manual")]
    assert "DUPLICATE_DATA" in done[1].message
    sent = json.loads(next(c for c in zoho_api.calls if c.request.method == "POST" and "/crm/" in c.request.url)
                      .request.body)["fields"]  # fmt: skip
    assert sent == [{"field_label": "Credit Limit", "data_type": "currency", "length": 16},
                    {"field_label": "Credit Score", "data_type": "double", "length": 16}]  # fmt: skip
