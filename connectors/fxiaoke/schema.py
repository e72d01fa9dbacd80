"""`object/describe` as the connector needs it: each field's type, options, length and time zone.

Describe answers `data.describe{api_name, fields{api_name: {...}}}` (reference fxiaoke.md §2
"Metadata"); fields are parsed defensively (a list instead of a map, missing flags). Custom fields
have generated names (`field_xxxxx__c`) and select options random codes, so a field is found by its
api name from the mapping, or by label when crm-credit looks for the fields an admin created.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import FieldInfo

CHINA = timezone(timedelta(hours=8))  # tenants' default zone (describe shows time_zone GMT+8)
_OFFSET = re.compile(r"^(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
DERIVED_SUFFIX = "__r"  # read-only display value of a lookup, employee or region field


@dataclass(frozen=True)
class FxField:
    """One described field."""

    name: str
    label: str
    type: str
    readonly: bool = False
    custom: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    max_length: int | None = None
    zone: tzinfo = CHINA

    def label_of(self, value: str) -> str | None:
        """The label of a select option value."""
        return next((label for code, label in self.options if code == value), None)

    def value_of(self, label: str) -> str | None:
        """The option value carrying this label (what a write must send)."""
        return next((code for code, text in self.options if text == label), None)

    def info(self) -> FieldInfo:
        """As the Connector protocol describes a field; picklist values are the labels people see."""
        return FieldInfo(
            name=self.name,
            label=self.label,
            type=self.type,
            length=self.max_length,
            writable=not self.readonly,
            custom=self.custom,
            picklist_values=tuple(label for _, label in self.options),
        )


def _zone(value: Any) -> tzinfo:
    if not isinstance(value, str) or not value.strip():
        return CHINA
    match = _OFFSET.match(value.strip())
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0)))
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return CHINA


def _options(raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        return ()
    pairs = []
    for option in raw:
        if isinstance(option, Mapping) and option.get("value") is not None:
            value = str(option["value"])
            pairs.append((value, str(option.get("label", value))))
    return tuple(pairs)


def _field(name: str, raw: Mapping[str, Any]) -> FxField:
    length = raw.get("max_length")
    return FxField(
        name=name,
        label=str(raw.get("label") or name),
        type=str(raw.get("type") or "text"),
        readonly=raw.get("is_readonly") is True,
        custom=raw.get("define_type") == "custom" or name.endswith("__c"),
        options=_options(raw.get("options")),
        max_length=length if isinstance(length, int) and not isinstance(length, bool) else None,
        zone=_zone(raw.get("time_zone")),
    )


def parse_describe(answer: Mapping[str, Any]) -> dict[str, FxField]:
    """The active fields of a describe answer, by api name."""
    data = answer.get("data")
    data = data if isinstance(data, Mapping) else {}
    described = data.get("describe") or data.get("objectDescribe") or data
    raw_fields = described.get("fields") if isinstance(described, Mapping) else None
    if isinstance(raw_fields, list):
        raw_fields = {f.get("api_name"): f for f in raw_fields if isinstance(f, Mapping)}
    if not isinstance(raw_fields, Mapping):
        return {}
    fields: dict[str, FxField] = {}
    for name, raw in raw_fields.items():
        if not isinstance(name, str) or not isinstance(raw, Mapping) or raw.get("is_active") is False:
            continue
        fields[name] = _field(name, raw)
    return fields


# Fields that carry a read-only display value in `<name>__r` (reference fxiaoke.md §2 "derived suffixes").
_DISPLAYED_TYPES = frozenset({"object_reference", "employee", "department", "country", "province", "city", "district"})
_REGION_NAMES = frozenset({"country", "province", "city", "district"})


def derived_infos(fields: Mapping[str, FxField]) -> list[FieldInfo]:
    """The `x__r` display values a read may map (a lookup's name, a region's label), as read-only text."""
    return [
        FieldInfo(name=f"{f.name}{DERIVED_SUFFIX}", label=f"{f.label} (显示值)", type="text", writable=False)
        for f in fields.values()
        if f.type in _DISPLAYED_TYPES or f.name in _REGION_NAMES
    ]


def find_field(fields: Mapping[str, FxField], name: str) -> FxField | None:
    """The field a mapping names; `x__r` (a derived display value) stands on field `x`."""
    if name in fields:
        return fields[name]
    if name.endswith(DERIVED_SUFFIX) and name[: -len(DERIVED_SUFFIX)] in fields:
        return fields[name[: -len(DERIVED_SUFFIX)]]
    return None


def by_label(fields: Mapping[str, FxField], label: str) -> FxField | None:
    """The field carrying this label (case and surrounding blanks ignored)."""
    wanted = label.strip().casefold()
    return next((f for f in fields.values() if f.label.strip().casefold() == wanted), None)
