"""`crm-credit check`: every mapped field, as the CRM describes it — ok, missing, not writable, not on layout.

CRM-neutral: it needs only `describe(object)`. Write-back fields must also be writable and, where
the CRM has page layouts, shown on them (reps act on what they see).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.base import OBJECT_KINDS, FieldInfo, SourceSettings

OK, MISSING, NOT_WRITABLE, NOT_ON_LAYOUT = "ok", "missing", "not writable", "not on layout"


@dataclass(frozen=True)
class FieldStatus:
    """One mapped field and what is wrong with it (`ok` when nothing)."""

    crm_object: str
    field: str
    use: str  # e.g. "invoices.due_on" or "writeback.credit_limit"
    status: str

    @property
    def problem(self) -> bool:
        """Whether this line needs an admin."""
        return self.status != OK


def _writeback_status(info: FieldInfo | None) -> str:
    if info is None:
        return MISSING
    if not info.writable:
        return NOT_WRITABLE
    if info.on_layout is False:
        return NOT_ON_LAYOUT
    return OK


def check_fields(settings: SourceSettings, describe: Callable[[str], list[FieldInfo]]) -> list[FieldStatus]:
    """A status line per mapped field (each object is described once)."""
    described: dict[str, dict[str, FieldInfo]] = {}

    def fields_of(crm_object: str) -> dict[str, FieldInfo]:
        key = crm_object.lower()
        if key not in described:
            described[key] = {f.name.lower(): f for f in describe(crm_object)}
        return described[key]

    lines: list[FieldStatus] = []
    for kind in OBJECT_KINDS:
        mapping = settings.mapping(kind)
        if mapping is None:
            continue
        known = fields_of(mapping.object)
        uses = {crm: f"{kind}s.{key}" for key, crm in mapping.fields.items()}
        for key, transform in mapping.transforms.items():
            if transform.minus:
                uses.setdefault(transform.minus, f"{kind}s.{key} (minus)")
        for crm, use in uses.items():
            lines.append(FieldStatus(mapping.object, crm, use, OK if crm.lower() in known else MISSING))
    wb = settings.writeback
    if wb is not None:
        known = fields_of(wb.object)
        for key, crm in wb.fields.items():
            lines.append(FieldStatus(wb.object, crm, f"writeback.{key}", _writeback_status(known.get(crm.lower()))))
    return lines
