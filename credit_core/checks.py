"""Checks every record builder shares: identity, unknown keys, required values, negative amounts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from credit_core import values as v
from credit_core.errors import RecordError

ZERO = Decimal(0)
IDENTITY = frozenset({"source", "crm_id"})
Parser = Callable[[Any], Any]


def check_identity(kind: str, source: Any, crm_id: Any, values: Mapping[str, Any]) -> None:
    """`source` and `crm_id` are non-empty text, and `values` does not contradict them."""
    for name, given in (("source", source), ("crm_id", crm_id)):
        if not isinstance(given, str) or not given:
            raise RecordError(kind, str(source), str(crm_id), name, given, "required text is missing")
        if name in values and values[name] != given:
            raise RecordError(kind, source, crm_id, name, values[name], f"differs from the record's {name}")


def check_keys(kind: str, source: str, crm_id: str, values: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Refuse the first key that is not a canonical field of the record."""
    for key in values.keys() - allowed - IDENTITY:
        raise RecordError(kind, source, crm_id, key, values[key], "unknown field")


def parse(kind: str, source: str, crm_id: str, raw: Mapping[str, Any], parsers: dict[str, Parser]) -> dict[str, Any]:
    """Each named field parsed; a bad one becomes a RecordError naming it."""
    parsed: dict[str, Any] = {}
    for name, parse in parsers.items():
        value = raw.get(name)
        try:
            parsed[name] = parse(value)
        except v.BadValue as bad:
            raise RecordError(kind, source, crm_id, name, value, bad.reason) from None
    return parsed


def require(kind: str, source: str, crm_id: str, parsed: dict[str, Any], raw: Mapping[str, Any]) -> None:
    """Refuse the first parsed field that has no value."""
    for name, value in parsed.items():
        if value is None:
            raise RecordError(kind, source, crm_id, name, raw.get(name), "required value is missing")


def no_negative(kind: str, source: str, crm_id: str, name: str, value: Decimal | None, raw: Any) -> None:
    """Refuse an amount below zero."""
    if value is not None and value < ZERO:
        raise RecordError(kind, source, crm_id, name, raw, "negative amount")
