"""Setup objects: profiles, permission sets, field permissions, the organization, currencies,
and the Tooling API's CustomField and Layout."""

from __future__ import annotations

from sandbox.salesforce.objects import add_audit_fields, flag, new_object, pick, ref, system_field, text
from sandbox.salesforce.schema import FieldDef, SObjectDef


def profile() -> SObjectDef:
    """Profile (read-only here)."""
    p = new_object("Profile", "Profile", "Profiles", "00e", has_deleted=False, createable=False, deletable=False)
    p.add(text("Name", "Name", 255, nillable=False, name_field=True))
    add_audit_fields(p, owner=False, currency=False)
    return p


def permission_set() -> SObjectDef:
    """PermissionSet; each profile owns one (IsOwnedByProfile) that carries its field permissions."""
    p = new_object("PermissionSet", "Permission Set", "Permission Sets", "0PS", has_deleted=False)
    p.add(text("Name", "Name", 80, nillable=False))
    p.add(text("Label", "Label", 80, nillable=False, name_field=True))
    p.add(system_field("IsOwnedByProfile", "Is Owned By Profile", "boolean", nillable=False, default_value=False))
    p.add(
        system_field(
            "ProfileId", "Profile ID", "reference", length=18, reference_to=("Profile",), relationship_name="Profile"
        )
    )
    add_audit_fields(p, owner=False, currency=False)
    return p


def permission_set_assignment() -> SObjectDef:
    """PermissionSetAssignment: which users hold which permission sets."""
    p = new_object(
        "PermissionSetAssignment",
        "Permission Set Assignment",
        "Permission Set Assignments",
        "0Pa",
        has_deleted=False,
        updateable=False,
    )
    p.add(ref("AssigneeId", "Assignee ID", ("User",), "Assignee", nillable=False))
    p.add(ref("PermissionSetId", "Permission Set ID", ("PermissionSet",), "PermissionSet", nillable=False))
    p.add(system_field("SystemModstamp", "System Modstamp", "datetime", nillable=False))
    return p


def field_permissions() -> SObjectDef:
    """FieldPermissions: read/edit on one field for one permission set (field-level security)."""
    p = new_object("FieldPermissions", "Field Permissions", "Field Permissions", "01k", has_deleted=False)
    p.add(ref("ParentId", "Parent ID", ("PermissionSet",), "Parent", nillable=False, updateable=False))
    p.add(pick("SobjectType", "Sobject Type Name", (), nillable=False, updateable=False))
    p.add(text("Field", "Field Name", 255, nillable=False, updateable=False, name_field=True))
    p.add(flag("PermissionsRead", "Read Permission"))
    p.add(flag("PermissionsEdit", "Edit Permission"))
    add_audit_fields(p, owner=False, currency=False)
    return p


def organization() -> SObjectDef:
    """Organization (one row, read-only)."""
    o = new_object(
        "Organization",
        "Organization",
        "Organizations",
        "00D",
        has_deleted=False,
        createable=False,
        updateable=False,
        deletable=False,
    )
    o.add(text("Name", "Name", 80, nillable=False, name_field=True))
    o.add(text("OrganizationType", "Edition", 40))
    o.add(flag("IsSandbox", "Is Sandbox"))
    o.add(text("DefaultLocaleSidKey", "Locale", 40))
    o.add(text("TimeZoneSidKey", "Default Time Zone", 40))
    o.add(text("DefaultCurrencyIsoCode", "Currency", 3))
    add_audit_fields(o, owner=False, currency=False)
    return o


def currency_type() -> SObjectDef:
    """CurrencyType: the active currencies of a multi-currency org with their rates."""
    c = new_object("CurrencyType", "Currency Type", "Currency Types", "02c", has_deleted=False)
    c.add(text("IsoCode", "Currency ISO Code", 3, nillable=False, name_field=True))
    c.add(FieldDef("ConversionRate", "Conversion Rate", "double", precision=18, scale=6, nillable=False))
    c.add(FieldDef("DecimalPlaces", "Decimal Places", "int", digits=2))
    c.add(flag("IsActive", "Active"))
    c.add(flag("IsCorporate", "Corporate Currency"))
    add_audit_fields(c, owner=False, currency=False)
    return c


def _tooling(name: str, label: str, plural: str, prefix: str) -> SObjectDef:
    o = new_object(name, label, plural, prefix, tooling=True, has_deleted=False)
    o.add(text("DeveloperName", "Developer Name", 40, createable=False, updateable=False))
    o.add(text("TableEnumOrId", "Table Enum or ID", 40, createable=False, updateable=False))
    o.add(text("FullName", "Full Name", 255, updateable=False))
    o.add(FieldDef("Metadata", "Metadata", "complexvalue"))
    o.add(text("NamespacePrefix", "Namespace Prefix", 15, createable=False, updateable=False))
    add_audit_fields(o, owner=False, currency=False)
    return o


def custom_field() -> SObjectDef:
    """Tooling CustomField: creating one adds the field to its object (invisible until granted)."""
    o = _tooling("CustomField", "Custom Field Definition", "Custom Field Definitions", "00N")
    o.add(text("Description", "Description", 255, createable=False, updateable=False))
    return o


def layout() -> SObjectDef:
    """Tooling Layout: page layouts, whose Metadata holds the sections reps see."""
    o = _tooling("Layout", "Layout", "Layouts", "00h")
    o.add(text("Name", "Name", 255, createable=False, updateable=False, name_field=True))
    o.add(pick("LayoutType", "Layout Type", ("Standard",), createable=False, updateable=False))
    return o


def setup_objects() -> list[SObjectDef]:
    """Setup objects reachable through the data API."""
    return [
        profile(),
        permission_set(),
        permission_set_assignment(),
        field_permissions(),
        organization(),
        currency_type(),
    ]


def tooling_objects() -> list[SObjectDef]:
    """Objects reachable only through /tooling."""
    return [custom_field(), layout()]


__all__ = ["ref", "setup_objects", "tooling_objects"]
