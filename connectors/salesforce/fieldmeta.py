"""`CustomField` metadata for crm-credit's write-back fields, in the Metadata API's terms.

One definition serves both the Tooling API (`Metadata` JSON) and the Salesforce DX export (XML),
so the fields an admin deploys through a pipeline are exactly the ones `setup-fields` creates.
"""

from __future__ import annotations

from typing import Any

from connectors.base import FieldSpec

DESCRIPTION = "Maintained by crm-credit; edits made in Salesforce are overwritten on the next sync."
MAX_PRECISION = 18
# Decimal places of Number fields; everything not listed is a whole number.
_NUMBER_SCALE = {"utilization": 4, "dso": 1, "add": 1}
LONG_TEXT_LINES = 5
LONG_TEXT_MIN = 256  # LongTextArea lengths run from 256 to 131,072


def _picklist(values: tuple[str, ...]) -> dict[str, Any]:
    return {
        "restricted": True,
        "valueSetDefinition": {
            "sorted": False,
            "value": [{"fullName": v, "default": False, "label": v} for v in values],
        },
    }


def custom_field(spec: FieldSpec) -> dict[str, Any]:
    """The Metadata of one field (without `fullName`, which the caller scopes)."""
    meta: dict[str, Any] = {"label": spec.label[:40], "description": DESCRIPTION, "required": False}
    if spec.type == "currency":
        meta.update(type="Currency", precision=MAX_PRECISION, scale=2)
    elif spec.type == "number":
        meta.update(type="Number", precision=MAX_PRECISION, scale=_NUMBER_SCALE.get(spec.decision_key, 0))
    elif spec.type == "percent":
        meta.update(type="Percent", precision=5, scale=2)
    elif spec.type == "date":
        meta.update(type="Date")
    elif spec.type == "picklist":
        meta.update(type="Picklist", valueSet=_picklist(spec.picklist_values))
    elif spec.type == "long_text":
        meta.update(type="LongTextArea", length=max(spec.length or 32_768, LONG_TEXT_MIN), visibleLines=LONG_TEXT_LINES)
    else:
        meta.update(type="Text", length=min(spec.length or 255, 255))
    return meta


def developer_name(api_name: str) -> str:
    """`Credit_Limit__c` -> `Credit_Limit` (the Tooling API's DeveloperName)."""
    return api_name.removesuffix("__c")
