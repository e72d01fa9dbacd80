"""`setup-fields` on Zoho: create the missing write-back fields, then read back the API names Zoho gave them.

Zoho derives a custom field's API name from its label and answers the create call with the new
field's id only [zoho.md §3], so the name is never guessed: metadata is fetched again and the field
found by that id. At most five fields per call. A field counts as existing when one already has the
requested API name or the same label, so running setup twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.base import FieldInfo, FieldSetup, FieldSpec
from connectors.zoho.client import ZohoClient
from connectors.zoho.fields import FieldCatalog

PER_CALL = 5
# FieldSpec type -> (Zoho data_type, longest length Zoho accepts, default length) [V7: Create Custom Fields]
ZOHO_TYPES: dict[str, tuple[str, int | None, int | None]] = {
    "currency": ("currency", 16, 16),
    "number": ("double", 18, 16),
    "percent": ("percent", 5, 5),
    "text": ("text", 255, 255),
    "long_text": ("textarea", 32000, 2000),
    "date": ("date", None, None),
    "picklist": ("picklist", None, None),
}


def definition(spec: FieldSpec) -> dict[str, Any]:
    """The `fields[]` entry that creates one spec's field."""
    data_type, longest, default = ZOHO_TYPES[spec.type]
    entry: dict[str, Any] = {"field_label": spec.label, "data_type": data_type}
    if longest is not None:
        entry["length"] = min(spec.length or default or longest, longest)
    if spec.type == "picklist":
        entry["pick_list_values"] = [{"display_value": v, "actual_value": v} for v in spec.picklist_values]
    return entry


def _existing(spec: FieldSpec, fields: dict[str, FieldInfo]) -> FieldInfo | None:
    if spec.name in fields:
        return fields[spec.name]
    label = spec.label.casefold()
    return next((f for f in fields.values() if f.label.casefold() == label), None)


def create_fields(
    client: ZohoClient, catalog: FieldCatalog, module: str, specs: Sequence[FieldSpec]
) -> list[FieldSetup]:
    """Create what is missing on `module`; one FieldSetup per spec, in order, naming the real API name."""
    known = catalog.module(module, refresh=True).fields
    results: dict[int, FieldSetup] = {}
    missing: list[tuple[int, FieldSpec]] = []
    for n, spec in enumerate(specs):
        found = _existing(spec, known)
        if found is not None:
            results[n] = FieldSetup(spec.decision_key, found.name, "exists")
        else:
            missing.append((n, spec))
    created_ids: dict[int, str] = {}
    for start in range(0, len(missing), PER_CALL):
        _create_batch(client, module, missing[start : start + PER_CALL], created_ids, results)
    if created_ids:
        # The create answer carries ids only: the names Zoho gave come from the metadata.
        names = {str(f.get("id")): str(f.get("api_name")) for f in client.fields(module)}
        catalog.forget()
        for n, field_id in created_ids.items():
            name = names.get(field_id, specs[n].name)
            results[n] = FieldSetup(specs[n].decision_key, name, "created", f"Zoho named it {name}")
    return [results[n] for n in range(len(specs))]


def _create_batch(
    client: ZohoClient,
    module: str,
    batch: Sequence[tuple[int, FieldSpec]],
    created_ids: dict[int, str],
    results: dict[int, FieldSetup],
) -> None:
    """One create call of up to five fields: ids of the created, a `manual` outcome for the refused."""
    answers = client.create_fields(module, [definition(spec) for _n, spec in batch])
    for k, (n, spec) in enumerate(batch):
        answer = answers[k] if k < len(answers) else {}
        raw_details = answer.get("details")
        details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        if answer.get("status") == "success" and details.get("id"):
            created_ids[n] = str(details["id"])
        else:
            reason = f"{answer.get('code') or 'NO_ANSWER'}: {answer.get('message') or 'Zoho did not create it'}"
            results[n] = FieldSetup(spec.decision_key, spec.name, "manual", f"create it by hand ({reason})")
