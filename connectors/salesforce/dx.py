"""`setup-fields --export-metadata DIR`: the same fields, permissions and layout section as Salesforce DX
source, for orgs that deploy through their own pipeline.

Written: `objects/<Object>/fields/<Field>.field-meta.xml`, two permission sets (`CRM_Credit`: read and
edit, for the integration user; `CRM_Credit_Viewer`: read, for reps), the object's page layouts with a
"Credit" section when the org can be read (a layout is deployed whole, so it is retrieved first and
only the section is added), and `manifest/package.xml`. Tooling JSON and Metadata XML share their
element names; elements are written in alphabetical order, as Salesforce's own retrieve writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from connectors.base import FieldSpec
from connectors.salesforce.fieldmeta import DESCRIPTION, custom_field

METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _elements(value: Any, tag: str, depth: int) -> list[str]:
    pad = "    " * depth
    if value is None:
        return []
    if isinstance(value, list):
        return [line for item in value for line in _elements(item, tag, depth)]
    if isinstance(value, Mapping):
        inner = [line for key in sorted(value) for line in _elements(value[key], key, depth + 1)]
        return [f"{pad}<{tag}>", *inner, f"{pad}</{tag}>"] if inner else []
    text = ("true" if value else "false") if isinstance(value, bool) else escape(str(value))
    return [f"{pad}<{tag}>{text}</{tag}>"]


def metadata_xml(root: str, content: Mapping[str, Any]) -> str:
    """One metadata file: `<root xmlns=...>` with `content` as child elements."""
    lines = [line for key in sorted(content) for line in _elements(content[key], key, 1)]
    return HEADER + f'<{root} xmlns="{METADATA_NS}">\n' + "\n".join(lines) + f"\n</{root}>\n"


def field_file(spec: FieldSpec) -> str:
    """A CustomField in source format (`fullName` without the object)."""
    return metadata_xml("CustomField", {"fullName": spec.name, **custom_field(spec)})


def permission_set_file(label: str, sobject: str, fields: Sequence[str], editable: bool) -> str:
    """A PermissionSet granting the fields."""
    permissions = [{"editable": editable, "field": f"{sobject}.{name}", "readable": True} for name in fields]
    content = {"description": DESCRIPTION, "fieldPermissions": permissions, "label": label}
    return metadata_xml("PermissionSet", {**content, "hasActivationRequired": False})


def package_file(members: Mapping[str, Iterable[str]], version: str) -> str:
    """manifest/package.xml listing every component written."""
    types = [{"members": sorted(names), "name": kind} for kind, names in sorted(members.items()) if names]
    return metadata_xml("Package", {"types": types, "version": version})


@dataclass
class Export:
    """What one export wrote, relative to DIR."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_export(
    folder: Path,
    sobject: str,
    specs: Sequence[FieldSpec],
    layouts: Mapping[str, dict[str, Any]],
    api_version: str,
) -> Export:
    """Write the DX source tree under `folder`; `layouts` maps layout name -> Metadata with the section."""
    out = Export()

    def write(relative: str, text: str) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.files.append(relative)

    for spec in specs:
        write(f"objects/{sobject}/fields/{spec.name}.field-meta.xml", field_file(spec))
    names = [s.name for s in specs]
    write("permissionsets/CRM_Credit.permissionset-meta.xml", permission_set_file("CRM Credit", sobject, names, True))
    viewer = permission_set_file("CRM Credit Viewer", sobject, names, False)
    write("permissionsets/CRM_Credit_Viewer.permissionset-meta.xml", viewer)
    for name, metadata in sorted(layouts.items()):
        write(f"layouts/{sobject}-{name}.layout-meta.xml", metadata_xml("Layout", metadata))
    if not layouts:
        out.notes.append(f"no {sobject} page layout was read: add the fields to a 'Credit' section by hand")
    members = {
        "CustomField": [f"{sobject}.{n}" for n in names],
        "PermissionSet": ["CRM_Credit", "CRM_Credit_Viewer"],
        "Layout": [f"{sobject}-{n}" for n in layouts],
    }
    write("manifest/package.xml", package_file(members, api_version))
    return out
