"""Object and field descriptions, and the names Fxiaoke generates for what an admin creates.

Custom objects are `object_xxxxx__c` and custom fields `field_xxxxx__c` with five random letters or
digits; select options get random codes such as `kaYz89Lwq` (reference fxiaoke.md §3 "Custom
naming"). The admin cannot choose them, so a connector must find its fields by label in describe.
"""

from __future__ import annotations

import random
import string
import threading
from dataclasses import dataclass, field, replace
from typing import Any

# Field types as `object/describe` names them (reference fxiaoke.md §2 "Field value formats").
TEXT, LONG_TEXT, NUMBER, CURRENCY, PERCENTILE = "text", "long_text", "number", "currency", "percentile"
DATE, DATE_TIME = "date", "date_time"
SELECT_ONE, SELECT_MANY, BOOLEAN = "select_one", "select_many", "true_or_false"
EMPLOYEE, DEPARTMENT, REFERENCE = "employee", "department", "object_reference"
# The activity objects' "related objects" component (销售记录 / 日程 `related_object_data`), read back in
# real tenants as `[{"describe_api_name", "id", "name"}]`; the type name describe gives it is UNVERIFIED.
RELATED = "related_object"
CUSTOM_FIELD_TYPES = (TEXT, LONG_TEXT, NUMBER, CURRENCY, PERCENTILE, DATE, DATE_TIME, SELECT_ONE, BOOLEAN)
DEFAULT_LENGTH = {TEXT: 100, LONG_TEXT: 2000}
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Option:
    """One select option: callers read and write `value`, people see `label`."""

    value: str
    label: str


@dataclass(frozen=True)
class FieldDef:
    """One field of an object description."""

    api_name: str
    label: str
    type: str
    define_type: str = "package"  # package (preset) | custom | system
    required: bool = False
    readonly: bool = False  # system-maintained: the data API refuses to write it
    options: tuple[Option, ...] = ()
    target: str | None = None  # object_reference: the object it points at
    decimal_places: int | None = None
    max_length: int | None = None

    def option(self, value: str) -> Option | None:
        """The option with this value, if the field has one."""
        return next((o for o in self.options if o.value == value), None)

    def describe(self) -> dict[str, Any]:
        """This field as `object/describe` shows it."""
        out: dict[str, Any] = {
            "api_name": self.api_name,
            "label": self.label,
            "type": self.type,
            "define_type": self.define_type,
            "is_required": self.required,
            "is_readonly": self.readonly,
            "is_active": True,
        }
        if self.options:
            out["options"] = [{"label": o.label, "value": o.value} for o in self.options]
        if self.target:
            out["target_api_name"] = self.target
        if self.decimal_places is not None:
            out["decimal_places"] = self.decimal_places
        if self.max_length is not None:
            out["max_length"] = self.max_length
        if self.type in (DATE, DATE_TIME):
            out["date_format"] = "yyyy-MM-dd" if self.type == DATE else "yyyy-MM-dd HH:mm"
            out["time_zone"] = "GMT+8"
        return out


@dataclass
class ObjectDef:
    """One object: preset (`XxxObj`, define type package) or custom (`…__c`)."""

    api_name: str
    display_name: str
    define_type: str
    fields: dict[str, FieldDef] = field(default_factory=dict)

    @property
    def custom(self) -> bool:
        """True for custom objects (`…__c`)."""
        return self.api_name.endswith("__c")

    def add(self, *defs: FieldDef) -> ObjectDef:
        """Add field definitions; returns the object for chaining."""
        for definition in defs:
            self.fields[definition.api_name] = definition
        return self

    def field_by_label(self, label: str) -> FieldDef | None:
        """The field carrying this label, if any."""
        return next((f for f in self.fields.values() if f.label == label), None)


class NameMint:
    """Fxiaoke-style generated names, reproducible from the seed and never repeated."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"{seed}:names")
        self._used: set[str] = set()
        self._lock = threading.Lock()

    def _fresh(self, pattern: str, length: int) -> str:
        with self._lock:
            while True:
                name = pattern.format("".join(self._rng.choice(_ALNUM) for _ in range(length)))
                if name.lower() not in self._used:  # describe lookups must stay unambiguous
                    self._used.add(name.lower())
                    return name

    def field_name(self) -> str:
        """A new `field_xxxxx__c`."""
        return self._fresh("field_{}__c", 5)

    def object_name(self) -> str:
        """A new `object_xxxxx__c`."""
        return self._fresh("object_{}__c", 5)

    def record_type(self) -> str:
        """A new `record_xxxxx__c` record type."""
        return self._fresh("record_{}__c", 5)

    def option_value(self) -> str:
        """A new random select-option value."""
        return self._fresh("{}", 9)


class Schema:
    """Every object of the tenant; custom fields and objects are added by the admin at run time."""

    def __init__(self, objects: list[ObjectDef], mint: NameMint) -> None:
        self.objects = {o.api_name: o for o in objects}
        self.mint = mint
        self._lock = threading.Lock()

    def get(self, api_name: str) -> ObjectDef | None:
        """The object with this api name, if any."""
        return self.objects.get(api_name)

    def add_custom_field(
        self,
        api_name: str,
        label: str,
        type_: str,
        options: tuple[str, ...] = (),
        max_length: int | None = None,
        decimal_places: int | None = None,
    ) -> FieldDef:
        """Create a custom field as the admin console would; returns it with its generated name."""
        definition = self.objects[api_name]
        if type_ not in CUSTOM_FIELD_TYPES:
            raise ValueError(f"unsupported custom field type {type_!r}")
        if type_ == SELECT_ONE and not options:
            raise ValueError("a select_one field needs options")
        new = FieldDef(
            self.mint.field_name(),
            label,
            type_,
            define_type="custom",
            options=tuple(Option(self.mint.option_value(), text) for text in options),
            max_length=max_length or DEFAULT_LENGTH.get(type_),
            decimal_places=decimal_places if decimal_places is not None else _places(type_),
        )
        with self._lock:
            definition.add(new)
        return new

    def add_custom_object(self, display_name: str, extra: list[FieldDef]) -> ObjectDef:
        """Create a custom object with the system fields plus `extra`."""
        from sandbox.fxiaoke.objects import system_fields

        definition = ObjectDef(self.mint.object_name(), display_name, "custom").add(*system_fields(), *extra)
        with self._lock:
            self.objects[definition.api_name] = definition
        return definition

    def custom_field(self, label: str, type_: str, **extra: Any) -> FieldDef:
        """A custom field definition with a generated name (not yet attached to an object)."""
        base = FieldDef(
            self.mint.field_name(), label, type_, define_type="custom", max_length=DEFAULT_LENGTH.get(type_)
        )
        return replace(base, decimal_places=_places(type_), **extra)


def _places(type_: str) -> int | None:
    return 2 if type_ in (CURRENCY, PERCENTILE) else 0 if type_ == NUMBER else None
