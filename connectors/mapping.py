"""Applying an admin's ObjectMapping to CRM rows: SourceRecord -> canonical values -> canonical record.

The agreement with connectors: a pull of the accounts object also reads the write-back fields when
write-back targets that same object (`pull_fields`), so every account read tells the engine what the
CRM currently shows in crm-credit's fields (echo suppression, CRM-side edits). Values here are plain
JSON-ish; JSON floats become Decimal through their repr ("0.1", not 0.1000000000000000055…), and dates
are left to `credit_core.records`, which keeps the calendar day a CRM datetime was written in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from credit_core.errors import RecordError
from credit_core.records import build_account, build_invoice, build_order, build_payment

from connectors.base import FieldTransform, ObjectKind, ObjectMapping, SourceRecord, SourceSettings
from credit_core.models import Account, Invoice, Order, Payment

Record = Account | Invoice | Order | Payment
_BUILD: dict[str, Callable[[str, str, Mapping[str, Any]], Any]] = {
    "account": build_account,
    "invoice": build_invoice,
    "order": build_order,
    "payment": build_payment,
}


class _Unmappable(Exception):
    def __init__(self, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.value = value
        self.reason = reason


def _number(raw: Any) -> Decimal:
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, bool):
        raise _Unmappable(raw, "not a number")
    try:
        return Decimal(raw.strip() if isinstance(raw, str) else raw)
    except (InvalidOperation, TypeError, ValueError):
        raise _Unmappable(raw, "not a number") from None


def _transform(crm_field: str | None, t: FieldTransform) -> Callable[[Mapping[str, Any]], Any]:
    """One key's transforms as a function of the row's fields, in FieldTransform's order."""

    def apply(fields: Mapping[str, Any]) -> Any:
        value = t.constant if t.constant is not None else (fields.get(crm_field) if crm_field else None)
        if type(value) is float:
            value = Decimal(repr(value))
        if t.map is not None and value is not None:
            key = value if isinstance(value, str) else str(value)
            if key not in t.map:
                raise _Unmappable(value, f"not in the value map (known: {', '.join(sorted(t.map))})")
            value = t.map[key]
        if t.date_format is not None and isinstance(value, str) and value.strip():
            try:
                value = datetime.strptime(value.strip(), t.date_format).date()
            except ValueError:
                raise _Unmappable(value, f"does not match date format {t.date_format!r}") from None
        if t.scale is not None and value is not None and value != "":
            value = _number(value) * t.scale
        if t.minus is not None and value is not None and value != "":
            other = fields.get(t.minus)
            value = _number(value) - (_number(other) if other not in (None, "") else Decimal(0))
        return value

    return apply


class RecordMapper:
    """A compiled ObjectMapping for one source and kind: fast enough for a million rows per run."""

    def __init__(self, kind: ObjectKind, source: str, mapping: ObjectMapping) -> None:
        self.kind = kind
        self.source = source
        self.mapping = mapping
        self._plain = tuple((key, field) for key, field in mapping.fields.items() if key not in mapping.transforms)
        self._special = tuple((key, _transform(mapping.fields.get(key), t)) for key, t in mapping.transforms.items())
        self._build = _BUILD[kind]

    def values(self, record: SourceRecord) -> dict[str, Any]:
        """The canonical values of one row (keys dotted for nested account fields)."""
        fields = record.fields
        get = fields.get
        values = {key: get(field) for key, field in self._plain}
        for key, value in values.items():
            if type(value) is float:
                values[key] = Decimal(repr(value))
        for key, apply in self._special:
            try:
                values[key] = apply(fields)
            except _Unmappable as bad:
                raise RecordError(self.kind, self.source, record.crm_id, key, bad.value, bad.reason) from None
        return values

    def build(self, record: SourceRecord) -> Any:
        """The validated canonical record of one row; raises RecordError naming field and value."""
        return self._build(self.source, record.crm_id, self.values(record))


def writeback_fields_read(settings: SourceSettings) -> tuple[str, ...]:
    """The write-back fields an accounts pull carries (when write-back targets the accounts object)."""
    wb = settings.writeback
    if wb is None or not wb.fields or wb.object != settings.accounts.object:
        return ()
    return tuple(dict.fromkeys(wb.fields.values()))


def pull_fields(settings: SourceSettings, kind: ObjectKind) -> list[str]:
    """The CRM fields a connector reads for `kind`: the mapped ones, plus write-back fields on accounts."""
    mapping = settings.mapping(kind)
    names = mapping.crm_fields() if mapping is not None else []
    if kind == "account":
        names += [f for f in writeback_fields_read(settings) if f not in names]
    return names


def parse_stamp(value: Any) -> datetime:
    """A CRM modification stamp as aware UTC: ISO text (`Z`, `+0000`, `+08:00`) or epoch milliseconds."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)  # Fxiaoke: epoch milliseconds
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]  # Salesforce writes +0000
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """A CRM date value (ISO text or date) as a date; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
