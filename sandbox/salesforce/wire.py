"""Records on the wire: REST JSON, Bulk CSV cells and SOAP text, each in Salesforce's own formats."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.table import Row, Table
from sandbox.salesforce.values import java_double, rest_datetime, soap_datetime

_MARK = "\x00"  # json.dumps writes it as \u0000; `dumps` then unquotes the number behind it
_MARKED = re.compile(r'"\\u0000([^"]*)"')
DOUBLE_TYPES = frozenset({"currency", "double", "percent"})


def dumps(value: object) -> str:
    """JSON text with doubles written the Java way (`1.5E7`), as Salesforce writes them."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(r"\1", text) if _MARK in text or "\\u0000" in text else text


def json_number(value: float) -> object:
    """A double for `dumps`: plain where Python and Java agree, marked where Java uses an exponent."""
    magnitude = abs(value)
    if magnitude == 0 or 1e-3 <= magnitude < 1e7:
        return float(value)
    return _MARK + java_double(value)


def rest_value(sf_type: str, value: object) -> object:
    """A field value in REST JSON."""
    if value is None:
        return None
    if sf_type == "datetime":
        assert isinstance(value, int)
        return rest_datetime(value)
    if sf_type == "date":
        assert isinstance(value, date)
        return value.isoformat()
    if sf_type in DOUBLE_TYPES:
        assert isinstance(value, float | int)
        return json_number(value)
    return value


def text_value(sf_type: str, value: object) -> str:
    """A field value as Bulk CSV and SOAP write it (empty for null)."""
    if value is None:
        return ""
    if sf_type == "datetime":
        assert isinstance(value, int)
        return soap_datetime(value)
    if sf_type == "date":
        assert isinstance(value, date)
        return value.isoformat()
    if sf_type in DOUBLE_TYPES:
        return java_double(value)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record_url(table: Table, record_id: object, version: str) -> str:
    """`/services/data/vXX.X/sobjects/Type/Id` (tooling objects under /tooling)."""
    area = "tooling/sobjects" if table.sobject.tooling else "sobjects"
    return f"/services/data/v{version}/{area}/{table.sobject.name}/{record_id}"


@dataclass
class Shape:
    """Which fields of a record to render, and nested parent shapes for relationship paths."""

    table: Table
    fields: list[FieldDef] = field(default_factory=list)
    parents: dict[str, tuple[FieldDef, Shape]] = field(default_factory=dict)
    order: list[tuple[str, FieldDef | None]] = field(default_factory=list)  # (key, field or None=parent)

    def add_field(self, definition: FieldDef) -> None:
        """Select a field of this record."""
        if definition not in self.fields:
            self.fields.append(definition)
            self.order.append((definition.name, definition))

    def parent(self, ref: FieldDef, table: Table) -> Shape:
        """The nested shape for a parent relationship (created on first use)."""
        name = ref.relationship_name or ref.name
        if name not in self.parents:
            self.parents[name] = (ref, Shape(table))
            self.order.append((name, None))
        return self.parents[name][1]

    def render(self, row: Row, version: str) -> dict[str, object]:
        """The REST JSON record: `attributes` first, then the selected fields in select order."""
        out: dict[str, object] = {
            "attributes": {"type": self.table.sobject.name, "url": record_url(self.table, row[0], version)}
        }
        for key, definition in self.order:
            if definition is not None:
                value = row[definition.slot] if definition.slot < len(row) else None
                out[key] = rest_value(definition.type, value)
                continue
            ref, shape = self.parents[key]
            target = row[ref.slot] if ref.slot < len(row) else None
            index = shape.table.index_of(target) if isinstance(target, str) else None
            parent_row = shape.table.rows[index] if index is not None else None
            out[key] = shape.render(parent_row, version) if parent_row is not None else None
        return out


def full_shape(table: Table, fields: Iterable[FieldDef] | None = None) -> Shape:
    """A shape selecting every visible field (or the given ones): what GET by id returns."""
    shape = Shape(table)
    for definition in fields if fields is not None else table.sobject.visible_fields():
        shape.add_field(definition)
    return shape


def flat_columns(shape: Shape, prefix: str = "") -> list[tuple[str, list[FieldDef], FieldDef, list[Table]]]:
    """Bulk CSV columns: (header like `Account__r.Name`, lookups to follow, field, their tables)."""
    columns: list[tuple[str, list[FieldDef], FieldDef, list[Table]]] = []
    for key, definition in shape.order:
        if definition is not None:
            columns.append((prefix + key, [], definition, []))
            continue
        ref, parent = shape.parents[key]
        for header, refs, target, tables in flat_columns(parent, f"{prefix}{key}."):
            columns.append((header, [ref, *refs], target, [parent.table, *tables]))
    return columns


def csv_cells(columns: list[tuple[str, list[FieldDef], FieldDef, list[Table]]], row: Row) -> list[str]:
    """One CSV line's cells for a root row (empty where a lookup is null)."""
    cells = []
    for _header, refs, definition, tables in columns:
        current: Row | None = row
        for ref, table in zip(refs, tables, strict=True):
            target = current[ref.slot] if current is not None and ref.slot < len(current) else None
            index = table.index_of(target) if isinstance(target, str) else None
            current = table.rows[index] if index is not None else None
        value = current[definition.slot] if current is not None and definition.slot < len(current) else None
        cells.append(text_value(definition.type, value))
    return cells
