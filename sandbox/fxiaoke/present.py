"""A stored record as one caller sees it: projection, null fields, employee-id form, `__r` fields.

Null fields are left out unless the call sets top-level `includeNull: true`; lookups carry the
target's name in a read-only `<field>__r`, and `country__r` carries the country's label
(reference fxiaoke.md §2 "Read-only derived suffixes").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.fxiaoke.people import People
from sandbox.fxiaoke.schema import DEPARTMENT, EMPLOYEE, REFERENCE, ObjectDef
from sandbox.fxiaoke.store import Record

NameOf = Callable[[str, str], "str | None"]  # (object api name, id) -> that record's name
LABELLED = ("country",)  # region fields whose label rides along in `__r`


@dataclass(frozen=True)
class View:
    """How a caller wants records shown."""

    people: People
    open_ids: bool
    include_null: bool
    name_of: NameOf


def present(record: Record, definition: ObjectDef, view: View, projection: tuple[str, ...] | None = None) -> Record:
    """The record as the wire carries it to this caller."""
    if projection is None:
        names = list(definition.fields) if view.include_null else [k for k in record if k in definition.fields]
    else:
        names = ["_id", *(p for p in projection if p != "_id")]
    out: Record = {}
    for name in names:
        base = name[:-3] if name.endswith("__r") else name
        field = definition.fields.get(base)
        if field is None:
            continue  # the gateway ignores unknown names in a projection
        value = record.get(base)
        if name.endswith("__r"):
            _derived(out, name, field.type, base, value, definition, view)
            continue
        if value is None and not view.include_null:
            continue
        out[name] = _wire(value, field.type, view)
        if projection is None:
            _derived(out, f"{name}__r", field.type, base, value, definition, view)
    return out


def _wire(value: Any, type_: str, view: View) -> Any:
    if type_ == EMPLOYEE and isinstance(value, list):
        return [view.people.to_wire(v, view.open_ids) for v in value]
    if type_ == DEPARTMENT and isinstance(value, list):
        return list(value)
    return value


def _derived(out: Record, name: str, type_: str, base: str, value: Any, definition: ObjectDef, view: View) -> None:
    if value is None:
        return
    field = definition.fields[base]
    if type_ == REFERENCE and field.target:
        label = view.name_of(field.target, value)
        if label is not None:
            out[name] = label
    elif base in LABELLED:
        option = field.option(value)
        if option is not None:
            out[name] = option.label
