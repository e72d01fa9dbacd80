"""Page layouts through the Tooling API: where fields sit, and the "Credit" section reps read.

The Tooling API returns a layout's `Metadata` only when a query selects a single record, so the
layouts of an object are listed first and then read one by one by id.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient

SECTION = "Credit"


def layout_ids(client: SalesforceClient, sobject: str) -> list[tuple[str, str]]:
    """(id, name) of every page layout of an object."""
    text = soql.select(["Id", "Name"], "Layout", f"TableEnumOrId = {soql.quote_string(sobject)}")
    answer = client.rest(f"list {sobject} layouts", "tooling/query/", params={"q": text})
    return [(str(r["Id"]), str(r.get("Name", ""))) for r in (answer or {}).get("records", [])]


def layout_metadata(client: SalesforceClient, layout_id: str) -> dict[str, Any]:
    """One layout's Metadata."""
    answer = client.rest("read a layout", f"tooling/sobjects/Layout/{soql.to18(layout_id)}")
    metadata = (answer or {}).get("Metadata")
    return metadata if isinstance(metadata, dict) else {}


def placed_fields(metadata: dict[str, Any]) -> set[str]:
    """Lower-case names of the fields a layout shows."""
    names: set[str] = set()
    for section in metadata.get("layoutSections") or []:
        for column in section.get("layoutColumns") or []:
            for item in column.get("layoutItems") or []:
                if item.get("field"):
                    names.add(str(item["field"]).lower())
    return names


def placement(client: SalesforceClient, sobject: str) -> dict[str, bool]:
    """For each field on any layout of the object: whether every layout shows it."""
    layouts = [placed_fields(layout_metadata(client, i)) for i, _name in layout_ids(client, sobject)]
    if not layouts:
        return {}
    everywhere = set.intersection(*layouts)
    return {name: name in everywhere for name in set.union(*layouts)}


def with_credit_section(metadata: dict[str, Any], fields: Sequence[str]) -> dict[str, Any] | None:
    """The layout with a "Credit" section holding every field (read-only), or None when nothing changes."""
    missing = [f for f in fields if f.lower() not in placed_fields(metadata)]
    if not missing:
        return None
    changed = copy.deepcopy(metadata)
    sections = changed.setdefault("layoutSections", [])
    section = next((s for s in sections if s.get("label") == SECTION), None)
    if section is None:
        section = {
            "customLabel": True,
            "detailHeading": True,
            "editHeading": True,
            "label": SECTION,
            "layoutColumns": [{"layoutItems": []}],
            "style": "OneColumn",
        }
        sections.append(section)
    columns = section.setdefault("layoutColumns", [{"layoutItems": []}]) or [{"layoutItems": []}]
    items = columns[0].setdefault("layoutItems", [])
    # crm-credit owns these fields: reps see them but do not edit them on the page.
    items.extend({"behavior": "Readonly", "field": name} for name in missing)
    return changed


def add_to_layouts(client: SalesforceClient, sobject: str, fields: Sequence[str]) -> list[str]:
    """Put the fields into a "Credit" section on every layout of the object; names of layouts changed."""
    changed_names = []
    for layout_id, name in layout_ids(client, sobject):
        updated = with_credit_section(layout_metadata(client, layout_id), fields)
        if updated is not None:
            path = f"tooling/sobjects/Layout/{layout_id}"
            client.rest(f"update layout {name}", path, "PATCH", json={"Metadata": updated})
            changed_names.append(name)
    return changed_names
