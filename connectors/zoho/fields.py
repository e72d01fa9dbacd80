"""Field metadata (`GET /settings/fields`): what a module has, and which mapped fields are usable.

Every mapped field is checked against the metadata before a run [sync.md §8 "schema drift"]: a
missing field is reported and dropped from the reads, so the object keeps syncing without it; a
write-back field that is missing or read-only is reported too. Field types also tell the pull how to
make values plain (lookups → ids, datetimes → UTC) and which names may enter a COQL query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import FieldInfo
from connectors.zoho.client import ZohoClient

_ALWAYS = ("id", "Modified_Time")  # every row needs its id and stamp


def field_info(raw: Mapping[str, Any]) -> FieldInfo:
    """One metadata entry as the connector contract's FieldInfo."""
    operations = raw.get("operation_type") or {}
    read_only = bool(raw.get("read_only") or raw.get("field_read_only"))
    writable = not read_only and bool(operations.get("api_update", True))
    picklist = tuple(
        str(v.get("actual_value") or v.get("display_value"))
        for v in raw.get("pick_list_values") or []
        if isinstance(v, dict) and (v.get("actual_value") or v.get("display_value"))
    )
    layouts = raw.get("layout_associations")
    length = raw.get("length")
    return FieldInfo(
        name=str(raw.get("api_name")),
        label=str(raw.get("field_label") or raw.get("display_label") or raw.get("api_name")),
        type=str(raw.get("data_type") or "text"),
        length=int(length) if isinstance(length, int) and not isinstance(length, bool) else None,
        writable=writable,
        custom=bool(raw.get("custom_field")),
        picklist_values=picklist,
        on_layout=bool(layouts) if isinstance(layouts, list) else None,
    )


@dataclass
class ModuleFields:
    """One module's fields by API name."""

    module: str
    fields: dict[str, FieldInfo] = field(default_factory=dict)

    def types(self) -> dict[str, str]:
        """Data type by API name."""
        return {name: info.type for name, info in self.fields.items()}


class FieldCatalog:
    """Metadata per module, fetched once per check (or lazily) and kept for the connector's life."""

    def __init__(self, client: ZohoClient) -> None:
        self.client = client
        self._modules: dict[str, ModuleFields] = {}

    def module(self, name: str, refresh: bool = False) -> ModuleFields:
        """A module's fields (fetched when unknown or when `refresh`)."""
        if refresh or name not in self._modules:
            infos = [field_info(raw) for raw in self.client.fields(name)]
            self._modules[name] = ModuleFields(name, {i.name: i for i in infos})
        return self._modules[name]

    def forget(self) -> None:
        """Drop everything fetched (after creating fields)."""
        self._modules.clear()


@dataclass
class Usable:
    """What a module's reads may ask for, after the check."""

    fields: list[str]  # requested fields that exist, plus id and Modified_Time
    problems: list[str]


def usable_fields(
    known: ModuleFields, kind_label: str, wanted: Iterable[str], reported_elsewhere: Iterable[str] = ()
) -> Usable:
    """Split wanted fields into those the module has and one problem line per missing one."""
    present: list[str] = []
    problems: list[str] = []
    quiet = set(reported_elsewhere)
    for name in dict.fromkeys(wanted):
        if name in _ALWAYS or name in known.fields:
            present.append(name)
        elif name not in quiet:
            problems.append(f"{kind_label}: field {name} is not on Zoho module {known.module} (dropped from reads)")
    for name in _ALWAYS:
        if name not in present:
            present.append(name)
    return Usable([n for n in present if n != "id"], problems)


def writeback_problems(known: ModuleFields, wanted: Iterable[str]) -> list[str]:
    """One line per write-back field that is missing or that the API may not update."""
    problems: list[str] = []
    for name in dict.fromkeys(wanted):
        info = known.fields.get(name)
        if info is None:
            problems.append(f"writeback: field {name} is not on Zoho module {known.module} (run setup-fields)")
        elif not info.writable:
            problems.append(f"writeback: field {name} on Zoho module {known.module} is read-only")
    return problems
