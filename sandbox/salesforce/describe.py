"""Global describe and sObject describe, with the keys real clients read (and the ones they may)."""

from __future__ import annotations

from sandbox.salesforce.schema import SOAP_TYPES, FieldDef, SObjectDef

# Child relationship names as an org would show them (None: no relationship name, e.g. CreatedBy).
CHILD_RELATIONSHIPS = {
    ("Account", "ParentId"): "ChildAccounts",
    ("Invoice__c", "Account__c"): "Invoices__r",
    ("Payment__c", "Account__c"): "Payments__r",
    ("Payment__c", "Invoice__c"): "Payments__r",
    ("Order", "AccountId"): "Orders",
    ("Task", "WhatId"): "Tasks",
    ("Task", "OwnerId"): "Tasks",
}
_STRINGY = {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox", "id", "reference"}


def _urls(sobject: SObjectDef, version: str) -> dict[str, str]:
    area = "tooling/sobjects" if sobject.tooling else "sobjects"
    base = f"/services/data/v{version}/{area}/{sobject.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "describe": f"{base}/describe",
        "sobject": base,
    }


def object_summary(sobject: SObjectDef, version: str) -> dict[str, object]:
    """One entry of the global describe."""
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": sobject.createable,
        "custom": sobject.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": sobject.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": not sobject.custom,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": sobject.key_prefix,
        "label": sobject.label,
        "labelPlural": sobject.label_plural,
        "layoutable": True,
        "mergeable": sobject.name == "Account",
        "mruEnabled": True,
        "name": sobject.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": sobject.has_deleted,
        "updateable": sobject.updateable,
        "urls": _urls(sobject, version),
    }


def global_describe(sobjects: list[SObjectDef], version: str) -> dict[str, object]:
    """GET sobjects."""
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [object_summary(o, version) for o in sobjects]}


def _picklist(definition: FieldDef) -> list[dict[str, object]]:
    return [
        {
            "active": True,
            "defaultValue": value == definition.default_picklist,
            "label": value,
            "validFor": None,
            "value": value,
        }
        for value in definition.picklist
    ]


def field_describe(definition: FieldDef) -> dict[str, object]:
    """One entry of `fields` in an sObject describe."""
    sf_type = definition.type
    stringy = sf_type in _STRINGY
    return {
        "aggregatable": sf_type not in ("textarea", "boolean") or definition.length <= 255,
        "aiPredictionField": False,
        "autoNumber": definition.auto_number,
        "byteLength": definition.length * 3 if stringy else 0,
        "calculated": definition.calculated,
        "calculatedFormula": None,
        "cascadeDelete": definition.cascade_delete,
        "caseSensitive": False,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": definition.createable and definition.editable,
        "custom": definition.custom,
        "defaultValue": definition.default_value if sf_type == "boolean" else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": sf_type == "boolean"
        or definition.name
        in (
            "Id",
            "OwnerId",
            "CreatedDate",
            "CreatedById",
            "LastModifiedDate",
            "LastModifiedById",
            "SystemModstamp",
            "CurrencyIsoCode",
        )
        or definition.default_picklist is not None,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": definition.digits,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": definition.external_id,
        "extraTypeInfo": None,
        "filterable": definition.filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": stringy or sf_type in ("boolean", "date", "int"),
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": sf_type == "id" or definition.unique,
        "inlineHelpText": None,
        "label": definition.label,
        "length": definition.length if stringy else 0,
        "mask": None,
        "maskType": None,
        "name": definition.name,
        "nameField": definition.name_field,
        "namePointing": len(definition.reference_to) > 1,
        "nillable": definition.nillable,
        "permissionable": definition.nillable and (definition.createable or definition.updateable),
        "picklistValues": _picklist(definition),
        "polymorphicForeignKey": len(definition.reference_to) > 1,
        "precision": definition.precision,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(definition.reference_to),
        "relationshipName": definition.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": definition.restricted,
        "scale": definition.scale,
        "searchPrefilterable": False,
        "soapType": SOAP_TYPES[sf_type],
        "sortable": definition.filterable,
        "type": sf_type,
        "unique": definition.unique,
        "updateable": definition.updateable and definition.editable,
        "writeRequiresMasterRead": False,
    }


def child_relationships(sobject: SObjectDef, everything: list[SObjectDef]) -> list[dict[str, object]]:
    """Which other objects point at this one."""
    out = []
    for child in everything:
        for definition in child.visible_fields():
            if definition.type == "reference" and sobject.name in definition.reference_to:
                out.append(
                    {
                        "cascadeDelete": definition.cascade_delete,
                        "childSObject": child.name,
                        "deprecatedAndHidden": False,
                        "field": definition.name,
                        "junctionIdListNames": [],
                        "junctionReferenceTo": [],
                        "relationshipName": CHILD_RELATIONSHIPS.get((child.name, definition.name)),
                        "restrictedDelete": False,
                    }
                )
    return out


def sobject_describe(sobject: SObjectDef, everything: list[SObjectDef], version: str) -> dict[str, object]:
    """GET sobjects/{name}/describe: only the fields the API user can see."""
    out = object_summary(sobject, version)
    out.update(
        {
            "actionOverrides": [],
            "childRelationships": child_relationships(sobject, everything),
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [field_describe(f) for f in sobject.visible_fields()],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [
                {
                    "active": True,
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "developerName": "Master",
                    "master": True,
                    "name": "Master",
                    "recordTypeId": "012000000000000AAA",
                    "urls": {"layout": f"{_urls(sobject, version)['describe']}/layouts/012000000000000AAA"},
                }
            ],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All " + sobject.label_plural.lower(), "name": "everything"}],
        }
    )
    return out
