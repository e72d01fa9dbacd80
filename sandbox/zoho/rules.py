"""Per-record rejection rules for API writes: a validation rule, a locked record, a flaky record.

A rule turns one record of a PUT/POST into a per-record error entry while the others succeed, so
tests can drive 207 responses. Rules match on record ids and/or a test of a written field's value.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.zoho.values import FieldError

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass
class RejectionRule:
    """Reject writes to `module` for `ids` (any when None) whose `field` passes `test` (any when None)."""

    module: str
    code: str = "INVALID_DATA"
    message: str = "invalid data"
    ids: frozenset[int] | None = None
    field: str | None = None
    test: Callable[[Any], bool] | None = None
    times: int | None = None  # how many rejections are left; None: unlimited

    def applies(self, module: str, row_id: int | None, values: dict[str, Any]) -> bool:
        """Whether this rule rejects this record."""
        if module != self.module or (self.times is not None and self.times <= 0):
            return False
        if self.ids is not None and row_id not in self.ids:
            return False
        if self.test is not None:
            if self.field is None or self.field not in values:
                return False
            return bool(self.test(values[self.field]))
        return True

    def error(self, row_id: int | None, path: str) -> FieldError:
        """The per-record error Zoho would return for this rule."""
        if self.field is not None:
            details: dict[str, Any] = {"api_name": self.field, "json_path": f"{path}.{self.field}"}
        else:
            details = {"id": str(row_id)} if row_id is not None else {}
        if self.code == "RECORD_LOCKED":
            details = {"api_name": "id", "action": "record_locking", "json_path": f"{path}.id"}
        return FieldError(self.code, details, self.message)


def comparison(op: str, value: Any) -> Callable[[Any], bool]:
    """A field test from an operator name and a value (for rules sent over HTTP)."""
    compare = OPERATORS[op]

    def test(new_value: Any) -> bool:
        try:
            return new_value is not None and compare(new_value, value)
        except TypeError:
            return False

    return test


class Rules:
    """The active rules, consulted for every written record."""

    def __init__(self) -> None:
        self._rules: list[RejectionRule] = []
        self._lock = threading.Lock()

    def add(self, rule: RejectionRule) -> None:
        """Activate a rule."""
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        """Drop every rule."""
        with self._lock:
            self._rules.clear()

    def check(self, module: str, row_id: int | None, values: dict[str, Any], path: str) -> None:
        """Raise the first matching rule's error (consuming one of its uses)."""
        with self._lock:
            for rule in self._rules:
                if rule.applies(module, row_id, values):
                    if rule.times is not None:
                        rule.times -= 1
                    raise rule.error(row_id, path)
