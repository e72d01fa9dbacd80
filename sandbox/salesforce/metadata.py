"""CustomField metadata (Tooling/Metadata API shape) ↔ field definitions, and page-layout metadata."""

from __future__ import annotations

from sandbox.salesforce.errors import SfError
from sandbox.salesforce.schema import FieldDef

# Metadata `type` → describe type.
FIELD_TYPES = {
    "Currency": "currency",
    "Number": "double",
    "Percent": "percent",
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Date": "date",
    "DateTime": "datetime",
    "Checkbox": "boolean",
    "Picklist": "picklist",
    "MultiselectPicklist": "multipicklist",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
}
_METADATA_TYPES = {
    "currency": "Currency",
    "double": "Number",
    "percent": "Percent",
    "string": "Text",
    "date": "Date",
    "datetime": "DateTime",
    "boolean": "Checkbox",
    "picklist": "Picklist",
    "multipicklist": "MultiselectPicklist",
    "email": "Email",
    "phone": "Phone",
    "url": "Url",
    "reference": "Lookup",
}


def integrity(message: str) -> SfError:
    """How a bad CustomField definition is refused."""
    return SfError(400, "FIELD_INTEGRITY_EXCEPTION", message, [])


def _number(metadata: dict[str, object], key: str, kind: str) -> int:
    value = metadata.get(key)
    if value is None:
        raise integrity(f"Must specify '{key}' for a CustomField of type {kind}")
    try:
        return int(str(value))
    except ValueError:
        raise integrity(f"Invalid '{key}': {value}") from None


def _picklist_values(metadata: dict[str, object]) -> tuple[tuple[str, ...], str | None, bool]:
    value_set = metadata.get("valueSet")
    definition = value_set.get("valueSetDefinition") if isinstance(value_set, dict) else None
    values = definition.get("value") if isinstance(definition, dict) else None
    if not isinstance(values, list) or not values:
        raise integrity("Picklist must have at least one value: valueSet.valueSetDefinition.value")
    names = tuple(str(v.get("fullName") or v.get("label")) for v in values if isinstance(v, dict))
    default = next((str(v.get("fullName")) for v in values if isinstance(v, dict) and v.get("default") is True), None)
    restricted = bool(value_set.get("restricted")) if isinstance(value_set, dict) else False
    return names, default, restricted


def field_from_metadata(field_name: str, metadata: dict[str, object]) -> FieldDef:
    """The field a Tooling `CustomField` create defines (raising what Salesforce raises)."""
    kind = str(metadata.get("type") or "")
    sf_type = FIELD_TYPES.get(kind)
    if sf_type is None:
        raise integrity(f"Invalid type: {kind or 'null'}")
    label = metadata.get("label")
    if not isinstance(label, str) or not label.strip():
        raise SfError(400, "REQUIRED_FIELD_MISSING", "Required field is missing: label", ["label"])
    definition = FieldDef(field_name, label, sf_type, custom=True, description=str(metadata.get("description") or ""))
    if kind in ("Currency", "Number", "Percent"):
        definition.precision, definition.scale = _number(metadata, "precision", kind), _number(metadata, "scale", kind)
        if not 0 < definition.precision <= 18 or not 0 <= definition.scale <= definition.precision:
            raise integrity("The sum of the length and decimal places must be an integer less than or equal to 18")
    elif kind == "Text":
        definition.length = _number(metadata, "length", kind)
        if not 0 < definition.length <= 255:
            raise integrity("Length must be between 1 and 255")
    elif kind == "TextArea":
        definition.length = 255
    elif kind == "LongTextArea":
        definition.length = _number(metadata, "length", kind)
        _number(metadata, "visibleLines", kind)
        if not 256 <= definition.length <= 131072:
            raise integrity("Length must be between 256 and 131,072")
    elif kind == "Checkbox":
        if metadata.get("defaultValue") is None:
            raise integrity("Must specify 'defaultValue' for a CustomField of type Checkbox")
        definition.nillable = False
        definition.default_value = str(metadata["defaultValue"]).lower() == "true"
    elif kind in ("Picklist", "MultiselectPicklist"):
        definition.picklist, definition.default_picklist, definition.restricted = _picklist_values(metadata)
        definition.length = 255 if kind == "Picklist" else 4099
    elif kind in ("Email", "Phone", "Url"):
        definition.length = {"Email": 80, "Phone": 40, "Url": 255}[kind]
    return definition


def metadata_of(definition: FieldDef) -> dict[str, object]:
    """The `Metadata` a Tooling query returns for a field."""
    kind = _METADATA_TYPES.get(definition.type, "Text")
    if definition.type == "textarea":
        kind = "LongTextArea" if definition.length > 255 else "TextArea"
    out: dict[str, object] = {
        "label": definition.label,
        "type": kind,
        "description": definition.description or None,
        "required": False,
        "externalId": definition.external_id,
        "unique": definition.unique,
    }
    if kind in ("Currency", "Number", "Percent"):
        out.update(precision=definition.precision, scale=definition.scale)
    if kind in ("Text", "LongTextArea"):
        out["length"] = definition.length
    if kind == "LongTextArea":
        out["visibleLines"] = 3
    if kind == "Checkbox":
        out["defaultValue"] = "true" if definition.default_value else "false"
    if kind in ("Picklist", "MultiselectPicklist"):
        values = [
            {
                "fullName": v,
                "label": v,
                "default": v == definition.default_picklist,
                "color": None,
                "description": None,
                "isActive": None,
                "urls": None,
            }
            for v in definition.picklist
        ]
        out["valueSet"] = {
            "restricted": definition.restricted,
            "valueSetName": None,
            "controllingField": None,
            "valueSettings": [],
            "valueSetDefinition": {"sorted": False, "value": values},
        }
    if kind == "Lookup":
        out.update(
            referenceTo=definition.reference_to[0],
            relationshipName=(definition.relationship_name or "").removesuffix("__r"),
            deleteConstraint="SetNull",
        )
    return out


def layout_metadata(sections: list[tuple[str, list[str]]], required: tuple[str, ...] = ("Name",)) -> dict[str, object]:
    """A page layout's Metadata: each section one column of Edit items (Required for required fields)."""
    layout_sections = []
    for label, fields in sections:
        items = [
            {
                "behavior": "Required" if f in required else "Edit",
                "field": f,
                "analyticsCloudComponent": None,
                "canvas": None,
                "component": None,
                "customLink": None,
                "emptySpace": None,
                "height": None,
                "page": None,
                "reportChartComponent": None,
                "scontrol": None,
                "showLabel": None,
                "showScrollbars": None,
                "width": None,
            }
            for f in fields
        ]
        layout_sections.append(
            {
                "customLabel": False,
                "detailHeading": True,
                "editHeading": True,
                "label": label,
                "layoutColumns": [{"layoutItems": items, "reserved": None}],
                "style": "OneColumn",
            }
        )
    return {
        "layoutSections": layout_sections,
        "customButtons": [],
        "excludeButtons": [],
        "relatedLists": [],
        "showEmailCheckbox": None,
        "showHighlightsPanel": None,
        "showInteractionLogPanel": None,
        "headers": [],
        "multilineLayoutFields": [],
        "platformActionList": None,
        "quickActionList": None,
        "relatedContent": None,
        "relatedObjects": [],
        "runAssignmentRulesDefault": None,
        "showKnowledgeComponent": None,
        "showRunAssignmentRulesCheckbox": None,
        "showSolutionSection": None,
        "showSubmitAndAttachButton": None,
        "summaryLayout": None,
        "feedLayout": None,
        "urls": None,
    }


def layout_fields(metadata: object) -> list[str]:
    """Every field placed on a layout, validating the Metadata's shape on the way."""
    sections = metadata.get("layoutSections") if isinstance(metadata, dict) else None
    if not isinstance(sections, list):
        raise integrity("Layout Metadata must contain layoutSections")
    fields: list[str] = []
    for section in sections:
        columns = section.get("layoutColumns") if isinstance(section, dict) else None
        if not isinstance(columns, list):
            raise integrity("Each layout section needs layoutColumns")
        for column in columns:
            items = column.get("layoutItems") if isinstance(column, dict) else None
            for item in items or []:
                if isinstance(item, dict) and item.get("field"):
                    fields.append(str(item["field"]))
    return fields
