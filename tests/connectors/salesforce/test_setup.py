"""`setup-fields` on a live org (Tooling fields, field-level security, the "Credit" layout section) and
as Salesforce DX source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from connectors.base import RecordWrite, WritebackMapping
from connectors.salesforce.connector import SalesforceConnector
from connectors.writeback_specs import specs_for
from sandbox.salesforce import SalesforceSandbox
from tests.connectors.contract.harness_salesforce import WRITEBACK
from tests.connectors.salesforce.conftest import connector_for

NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
SPECS = specs_for(WritebackMapping(object="Account", fields=WRITEBACK))


@pytest.fixture
def bare() -> Iterator[SalesforceSandbox]:
    """An org without the credit fields, as a new customer's is."""
    with SalesforceSandbox(accounts=6, seed=31) as box:
        yield box


def _field_permissions(box: SalesforceSandbox) -> list[dict[str, object]]:
    return box.query("SELECT ParentId, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions")


def test_fields_are_created_granted_and_shown_in_a_credit_section(bare: SalesforceSandbox) -> None:
    connector = connector_for(bare)
    outcomes = connector.create_fields(SPECS)
    assert [(o.name, o.outcome) for o in outcomes] == [(s.name, "created") for s in SPECS]
    fresh = connector_for(bare)
    described = {f.name: f for f in fresh.describe("Account")}
    for spec in SPECS:
        info = described[spec.name]
        assert info.writable and info.on_layout, spec.name
    assert described["Credit_Grade__c"].type == "picklist" and described["Credit_Grade__c"].picklist_values == tuple(
        "ABCDE"
    )
    assert described["Credit_Limit__c"].type == "currency"
    assert described["Credit_Reasons__c"].type == "textarea" and (described["Credit_Reasons__c"].length or 0) > 255
    assert fresh.push([RecordWrite(bare.ids("Account")[0], {"Credit_Grade__c": "C"})])[0].ok


def test_reps_read_the_fields_and_only_the_integration_user_edits_them(bare: SalesforceSandbox) -> None:
    connector_for(bare).create_fields(SPECS)
    profile_sets = {str(r["Id"]) for r in bare.query("SELECT Id FROM PermissionSet WHERE IsOwnedByProfile = true")}
    ours = bare.query("SELECT Id FROM PermissionSet WHERE Name = 'CRM_Credit'")
    assert len(ours) == 1
    rows = _field_permissions(bare)
    for spec in SPECS:
        grants = {str(r["ParentId"]): r for r in rows if r["Field"] == f"Account.{spec.name}"}
        assert grants[str(ours[0]["Id"])]["PermissionsEdit"] is True
        assert all(grants[p]["PermissionsRead"] and not grants[p]["PermissionsEdit"] for p in profile_sets)


def test_running_setup_again_changes_nothing(bare: SalesforceSandbox) -> None:
    connector_for(bare).create_fields(SPECS)
    permissions = len(_field_permissions(bare))
    bare.calls.clear()
    again = connector_for(bare).create_fields(SPECS)
    assert {o.outcome for o in again} == {"exists"}
    assert len(_field_permissions(bare)) == permissions
    assert bare.calls.count("POST", "/tooling/sobjects/CustomField") == 0
    assert bare.calls.count("PATCH", "/tooling/sobjects/Layout") == 0
    assert bare.calls.count("POST", "/composite/sobjects") == 0


def test_a_field_created_but_never_granted_is_found_and_granted(bare: SalesforceSandbox) -> None:
    from connectors.salesforce.fieldmeta import custom_field

    bare.create_field("Account.Credit_Score__c", custom_field(SPECS[2]), grant=False)
    outcomes = {o.name: o.outcome for o in connector_for(bare).create_fields(SPECS)}
    assert outcomes["Credit_Score__c"] == "exists"
    assert "Credit_Score__c" in {f.name for f in connector_for(bare).describe("Account")}


def _export(connector: SalesforceConnector, folder: Path) -> dict[str, Element]:
    written = connector.export_metadata(folder, SPECS)
    return {name: ElementTree.parse(folder / name).getroot() for name in written.files}


def test_the_dx_export_holds_fields_permission_sets_the_layout_and_a_manifest(
    bare: SalesforceSandbox, tmp_path: Path
) -> None:
    files = _export(connector_for(bare), tmp_path)
    limit = files["objects/Account/fields/Credit_Limit__c.field-meta.xml"]
    assert limit.findtext("md:type", namespaces=NS) == "Currency"
    assert limit.findtext("md:fullName", namespaces=NS) == "Credit_Limit__c"
    grade = files["objects/Account/fields/Credit_Grade__c.field-meta.xml"]
    assert [v.findtext("md:fullName", namespaces=NS) for v in grade.iterfind(".//md:value", NS)] == list("ABCDE")
    editors = files["permissionsets/CRM_Credit.permissionset-meta.xml"]
    assert {p.findtext("md:field", namespaces=NS) for p in editors.iterfind("md:fieldPermissions", NS)} == {
        f"Account.{s.name}" for s in SPECS
    }
    viewers = files["permissionsets/CRM_Credit_Viewer.permissionset-meta.xml"]
    assert {p.findtext("md:editable", namespaces=NS) for p in viewers.iterfind("md:fieldPermissions", NS)} == {"false"}
    layout = files["layouts/Account-Account Layout.layout-meta.xml"]
    sections = {s.findtext("md:label", namespaces=NS): s for s in layout.iterfind("md:layoutSections", NS)}
    assert "Account Information" in sections  # the org's own layout, kept whole
    assert [i.findtext("md:field", namespaces=NS) for i in sections["Credit"].iterfind(".//md:layoutItems", NS)] == [
        s.name for s in SPECS
    ]
    members = {t.findtext("md:name", namespaces=NS): [m.text for m in t.iterfind("md:members", NS)]
               for t in files["manifest/package.xml"].iterfind("md:types", NS)}  # fmt: skip
    assert members["Layout"] == ["Account-Account Layout"] and len(members["CustomField"]) == len(SPECS)
    assert "Credit_Limit__c" not in {f.name for f in connector_for(bare).describe("Account")}  # nothing deployed
