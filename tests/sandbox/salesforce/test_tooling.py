"""Installing write-back fields: Tooling CustomField, field permissions, the Account page layout."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest, format_soql

from sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import password_client

CREDIT_LIMIT = {
    "FullName": "Account.Credit_Limit__c",
    "Metadata": {"label": "Credit Limit", "type": "Currency", "precision": 18, "scale": 2},
}
CREDIT_GRADE = {
    "FullName": "Account.Credit_Grade__c",
    "Metadata": {
        "label": "Credit Grade",
        "type": "Picklist",
        "valueSet": {
            "restricted": True,
            "valueSetDefinition": {
                "sorted": False,
                "value": [{"fullName": g, "label": g, "default": False} for g in "ABCDE"],
            },
        },
    },
}


def _describe_names(sf: Salesforce) -> set[str]:
    return {f["name"] for f in sf.Account.describe()["fields"]}


def _api_permission_set(sf: Salesforce) -> str:
    rows = sf.query(
        "SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true AND Profile.Name = 'System Administrator'"
    )["records"]
    return str(rows[0]["Id"])


def test_a_new_field_needs_field_permissions_before_the_api_user_sees_it(fresh: SalesforceSandbox) -> None:
    sf = password_client(fresh)
    created = sf.toolingexecute("sobjects/CustomField", method="POST", data=CREDIT_LIMIT)
    assert created["success"] is True and created["id"].startswith("00N")
    assert "Credit_Limit__c" not in _describe_names(sf)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Credit_Limit__c FROM Account LIMIT 1")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"
    grant = sf.FieldPermissions.create(
        {
            "ParentId": _api_permission_set(sf),
            "SobjectType": "Account",
            "Field": "Account.Credit_Limit__c",
            "PermissionsRead": True,
            "PermissionsEdit": True,
        }
    )
    assert grant["success"] is True
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert fields["Credit_Limit__c"]["type"] == "currency" and fields["Credit_Limit__c"]["updateable"] is True
    account = fresh.ids("Account")[0]
    sf.Account.update(account, {"Credit_Limit__c": 125000})
    assert (
        sf.query(format_soql("SELECT Credit_Limit__c FROM Account WHERE Id = {}", account))["records"][0][
            "Credit_Limit__c"
        ]
        == 125000.0
    )


def test_read_only_permission_makes_the_field_visible_but_not_writable(fresh: SalesforceSandbox) -> None:
    sf = password_client(fresh)
    sf.toolingexecute("sobjects/CustomField", method="POST", data=CREDIT_GRADE)
    sf.FieldPermissions.create(
        {
            "ParentId": _api_permission_set(sf),
            "SobjectType": "Account",
            "Field": "Account.Credit_Grade__c",
            "PermissionsRead": True,
            "PermissionsEdit": False,
        }
    )
    grade = next(f for f in sf.Account.describe()["fields"] if f["name"] == "Credit_Grade__c")
    assert grade["updateable"] is False and grade["restrictedPicklist"] is True
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update(fresh.ids("Account")[0], {"Credit_Grade__c": "A"})
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_field_creation_is_not_idempotent_on_the_wire(fresh: SalesforceSandbox) -> None:
    sf = password_client(fresh)
    sf.toolingexecute("sobjects/CustomField", method="POST", data=CREDIT_LIMIT)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.toolingexecute("sobjects/CustomField", method="POST", data=CREDIT_LIMIT)
    assert caught.value.content[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"
    listed = sf.toolingexecute(
        "query/",
        params={"q": "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE TableEnumOrId = 'Account'"},
    )
    assert "Credit_Limit" in {r["DeveloperName"] for r in listed["records"]}
    assert listed["entityTypeName"] == "CustomField"


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ({"label": "X", "type": "Currency"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"type": "Text", "length": 10}, "REQUIRED_FIELD_MISSING"),
        ({"label": "X", "type": "Checkbox"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"label": "X", "type": "Hologram"}, "FIELD_INTEGRITY_EXCEPTION"),
    ],
)
def test_incomplete_field_definitions_are_refused(
    box: SalesforceSandbox, sf: Salesforce, metadata: dict[str, object], code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.toolingexecute(
            "sobjects/CustomField", method="POST", data={"FullName": "Account.Bad_Field__c", "Metadata": metadata}
        )
    assert caught.value.content[0]["errorCode"] == code


def test_the_account_layout_gains_a_credit_section(fresh: SalesforceSandbox) -> None:
    sf = password_client(fresh)
    sf.toolingexecute("sobjects/CustomField", method="POST", data=CREDIT_LIMIT)
    layouts = sf.toolingexecute("query/", params={"q": "SELECT Id, Name FROM Layout WHERE TableEnumOrId = 'Account'"})
    layout_id = layouts["records"][0]["Id"]
    layout = sf.toolingexecute(f"sobjects/Layout/{layout_id}")
    metadata = layout["Metadata"]
    assert "Credit" not in [s["label"] for s in metadata["layoutSections"]]
    metadata["layoutSections"].append(
        {
            "label": "Credit",
            "style": "OneColumn",
            "layoutColumns": [{"layoutItems": [{"field": "Credit_Limit__c", "behavior": "Readonly"}]}],
        }
    )
    sf.toolingexecute(f"sobjects/Layout/{layout_id}", method="PATCH", data={"Metadata": metadata})
    again = sf.toolingexecute(
        "query/", params={"q": format_soql("SELECT Metadata FROM Layout WHERE Id = {}", layout_id)}
    )
    sections = {s["label"]: s for s in again["records"][0]["Metadata"]["layoutSections"]}
    assert sections["Credit"]["layoutColumns"][0]["layoutItems"][0]["field"] == "Credit_Limit__c"
    metadata["layoutSections"][-1]["layoutColumns"][0]["layoutItems"].append({"field": "Nope__c"})
    with pytest.raises(SalesforceMalformedRequest):
        sf.toolingexecute(f"sobjects/Layout/{layout_id}", method="PATCH", data={"Metadata": metadata})


def test_metadata_is_only_returned_for_a_single_row(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.toolingexecute("query/", params={"q": "SELECT Metadata FROM Layout"})
    assert "no more than one row" in caught.value.content[0]["message"]


def test_a_dedicated_permission_set_assigned_to_the_api_user_grants_the_field(fresh: SalesforceSandbox) -> None:
    sf = password_client(fresh)
    sf.toolingexecute("sobjects/CustomField", method="POST", data=CREDIT_LIMIT)
    me = sf.session.get(f"{fresh.url}/services/oauth2/userinfo", headers=sf.headers).json()["user_id"]
    permission_set = sf.PermissionSet.create({"Name": "Crm_Credit", "Label": "crm-credit"})["id"]
    sf.FieldPermissions.create(
        {
            "ParentId": permission_set,
            "SobjectType": "Account",
            "Field": "Account.Credit_Limit__c",
            "PermissionsRead": True,
            "PermissionsEdit": True,
        }
    )
    assert "Credit_Limit__c" not in _describe_names(sf)  # not assigned yet
    sf.PermissionSetAssignment.create({"AssigneeId": me, "PermissionSetId": permission_set})
    assert "Credit_Limit__c" in _describe_names(sf)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.FieldPermissions.create(
            {
                "ParentId": permission_set,
                "SobjectType": "Account",
                "Field": "Account.Credit_Limit__c",
                "PermissionsRead": True,
            }
        )
    assert caught.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
