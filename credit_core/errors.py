"""The credit core's errors: bad records, missing exchange rates, bad policies.

Each error's `str()` is one line a person can act on: which record (or policy key), which field,
which value, and why it was refused.
"""

from __future__ import annotations

from typing import Any

_MAX_VALUE_CHARS = 80


def show_value(value: Any) -> str:
    """A value as it appears in an error message: quoted, on one line, cut when long."""
    if value is None:
        return "None"
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return repr(text)


class CreditCoreError(ValueError):
    """Anything the credit core refuses to decide on."""


class RecordError(CreditCoreError):
    """A canonical record with a bad field: names the record, the field and the value."""

    def __init__(self, kind: str, source: str, crm_id: str, field: str, value: Any, reason: str) -> None:
        self.kind = kind
        self.source = source
        self.crm_id = crm_id
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.kind} {self.source}/{self.crm_id}: {self.field}={show_value(self.value)}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.source, self.crm_id, self.field, self.value, self.reason))


class MissingRateError(CreditCoreError):
    """A record is in a currency for which the caller gave no exchange rate."""

    def __init__(self, currency: str, base_currency: str) -> None:
        self.currency = currency
        self.base_currency = base_currency
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"no fx rate for currency {self.currency!r}: give [fx] rates "
            f"{{ {self.currency} = <{self.base_currency} per 1 {self.currency}> }}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.currency, self.base_currency))


class PolicyError(CreditCoreError):
    """A credit policy that cannot be used: names the file, the key and the bad value."""

    def __init__(self, where: str, key: str, value: Any, reason: str) -> None:
        self.where = where
        self.key = key
        self.value = value
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"policy {self.where}: {self.key}={show_value(self.value)}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.where, self.key, self.value, self.reason))
