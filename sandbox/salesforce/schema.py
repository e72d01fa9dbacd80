"""Field and object definitions: what describe reports and what writes and queries are checked against."""

from __future__ import annotations

from dataclasses import dataclass, field

# describe `type` → SOAP type, as Salesforce reports them.
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "multipicklist": "xsd:string",
    "combobox": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "complexvalue": "tns:complexvalue",
}


@dataclass(slots=True)
class FieldDef:
    """One field. `visible`/`editable` are the API user's field-level security."""

    name: str
    label: str
    type: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    picklist: tuple[str, ...] = ()
    default_picklist: str | None = None
    restricted: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    custom: bool = False
    calculated: bool = False
    auto_number: bool = False
    name_field: bool = False
    external_id: bool = False
    unique: bool = False
    default_value: object = None
    description: str = ""
    visible: bool = True
    editable: bool = True
    cascade_delete: bool = False
    slot: int = -1

    @property
    def filterable(self) -> bool:
        """Long text areas cannot be filtered, as in Salesforce."""
        return not (self.type == "textarea" and self.length > 255) and self.type != "complexvalue"

    @property
    def writable_by_api(self) -> bool:
        """Whether the API user may set it at all (system and calculated fields never)."""
        return self.editable and (self.createable or self.updateable)


@dataclass
class SObjectDef:
    """One object type: its fields in describe order and its relationships."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    tooling: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    has_deleted: bool = True
    fields: list[FieldDef] = field(default_factory=list)
    by_name: dict[str, FieldDef] = field(default_factory=dict)
    by_relationship: dict[str, FieldDef] = field(default_factory=dict)

    def add(self, definition: FieldDef) -> FieldDef:
        """Append a field, giving it the next row slot."""
        definition.slot = len(self.fields)
        self.fields.append(definition)
        self.by_name[definition.name.lower()] = definition
        if definition.relationship_name:
            self.by_relationship[definition.relationship_name.lower()] = definition
        return definition

    def field(self, name: str, api_view: bool = True) -> FieldDef | None:
        """The field called `name` (any case); hidden fields do not exist for the API user."""
        found = self.by_name.get(name.lower())
        if found is None or (api_view and not found.visible):
            return None
        return found

    def relationship(self, name: str) -> FieldDef | None:
        """The visible reference field whose relationship is called `name` (any case)."""
        found = self.by_relationship.get(name.lower())
        return found if found is not None and found.visible else None

    def visible_fields(self) -> list[FieldDef]:
        """Fields the API user can see, in describe order."""
        return [f for f in self.fields if f.visible]

    @property
    def name_field(self) -> FieldDef | None:
        """The record's Name-like field."""
        return next((f for f in self.fields if f.name_field), None)
