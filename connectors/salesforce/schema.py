"""What describe says about one sObject, and the checks a mapping must pass before a run.

Mapped names are matched case-insensitively (as Salesforce does) but records are keyed by the
mapping's own spelling, because `connectors.mapping` looks values up by that string. A field the
describe does not list (deleted, renamed, or hidden by field-level security) is reported and left
out of the reads; the object keeps syncing without it (MinnPost#345, heroku/roadmap#248).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import FieldInfo

NUMBER_TYPES = frozenset({"currency", "double", "int", "percent", "long"})
DATE_TYPES = frozenset({"date", "datetime"})


@dataclass(frozen=True)
class ObjectSchema:
    """One sObject's describe: its fields by lower-case name."""

    name: str
    fields: Mapping[str, Mapping[str, Any]]
    queryable: bool = True

    @classmethod
    def from_describe(cls, body: Mapping[str, Any]) -> ObjectSchema:
        """Build from a `sobjects/{name}/describe` answer."""
        fields = {str(f["name"]).lower(): f for f in body.get("fields", [])}
        return cls(str(body.get("name", "")), fields, bool(body.get("queryable", True)))

    def field(self, name: str) -> Mapping[str, Any] | None:
        """A field's describe entry, any case."""
        return self.fields.get(name.lower())

    def api_name(self, name: str) -> str | None:
        """The field's own spelling, or None when describe does not list it."""
        found = self.field(name)
        return str(found["name"]) if found is not None else None

    def has(self, name: str) -> bool:
        """Whether describe lists this field."""
        return name.lower() in self.fields

    def type_of(self, name: str) -> str:
        """The describe type of a listed field ('' when absent)."""
        found = self.field(name)
        return str(found.get("type", "")) if found is not None else ""

    def picklist(self, name: str) -> tuple[str, ...]:
        """Active picklist values of a field."""
        found = self.field(name) or {}
        return tuple(str(v["value"]) for v in found.get("picklistValues") or [] if v.get("active", True))

    def restricted(self, name: str) -> bool:
        """Whether the picklist refuses values outside its list."""
        found = self.field(name) or {}
        return bool(found.get("restrictedPicklist")) and found.get("type") in ("picklist", "multipicklist")

    def field_info(self, on_layout: Mapping[str, bool] | None = None) -> list[FieldInfo]:
        """Every field as the Connector Protocol reports it."""
        out = []
        for f in self.fields.values():
            name = str(f["name"])
            length = f.get("length") or f.get("precision") or None
            out.append(
                FieldInfo(
                    name=name,
                    label=str(f.get("label", name)),
                    type=str(f.get("type", "")),
                    length=int(length) if length else None,
                    writable=bool(f.get("updateable", False)),
                    custom=bool(f.get("custom", False)),
                    picklist_values=self.picklist(name),
                    on_layout=None if on_layout is None else on_layout.get(name.lower(), False),
                )
            )
        return out


@dataclass
class Columns:
    """The fields one pull reads: (key the record uses, API name to select)."""

    sobject: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    has_deleted: bool = True

    def api_names(self) -> list[str]:
        """Selected API names, without duplicates."""
        return list(dict.fromkeys(api for _key, api in self.pairs))


def _is_date_key(key: str) -> bool:
    return key.endswith("_on") or key == "financials.as_of"


def check_fields(
    label: str,
    schema: ObjectSchema,
    wanted: Mapping[str, str],
    date_formats: Iterable[str] = (),
    quiet: Iterable[str] = (),
) -> tuple[Columns, list[str]]:
    """Columns for the listed CRM fields (`crm field -> canonical key`) and one problem line per misfit
    (fields in `quiet` are dropped silently: another check reports them)."""
    columns = Columns(schema.name, has_deleted=schema.has("IsDeleted"))
    problems: list[str] = []
    formatted, silent = set(date_formats), set(quiet)
    for crm_field, key in wanted.items():
        api = schema.api_name(crm_field)
        if api is None and crm_field in silent:
            continue
        if api is None:
            problems.append(
                f"{label}: {schema.name}.{crm_field} (mapped as {key}) does not exist or is not visible "
                "to the integration user; it is not read"
            )
            continue
        kind = schema.type_of(api)
        if _is_date_key(key) and kind not in DATE_TYPES and key not in formatted:
            problems.append(f"{label}: {schema.name}.{api} (mapped as {key}) is a {kind} field, not a date")
        columns.pairs.append((crm_field, api))
    return columns, problems


def check_writeback(schema: ObjectSchema, fields: Mapping[str, str]) -> tuple[set[str], list[str]]:
    """Write-back fields that cannot be written (missing or read-only) and a problem line for each."""
    unusable: set[str] = set()
    problems: list[str] = []
    for key, crm_field in fields.items():
        found = schema.field(crm_field)
        if found is None:
            unusable.add(crm_field)
            problems.append(
                f"writeback: {schema.name}.{crm_field} (for {key}) is missing; run `crm-credit setup-fields`"
            )
        elif not found.get("updateable", False):
            unusable.add(crm_field)
            problems.append(f"writeback: {schema.name}.{crm_field} (for {key}) is not writable by the integration user")
    return unusable, problems
