"""One Salesforce org in memory: its tables, users, clock, field-level security and change feed."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.salesforce.ids import instance_chars, mint
from sandbox.salesforce.objects import standard_objects
from sandbox.salesforce.schema import FieldDef, SObjectDef
from sandbox.salesforce.setup_objects import setup_objects, tooling_objects
from sandbox.salesforce.table import Row, Table
from sandbox.salesforce.values import now_ms


@dataclass(frozen=True)
class Change:
    """One committed write, as outbound messages and tests see it."""

    sobject: str
    record_id: str
    kind: str  # create | update | delete | hard_delete
    old: Row | None
    new: Row | None
    client: str | None  # from Sforce-Call-Options: client=...
    user_id: str
    stamp: int


@dataclass
class ValidationRule:
    """A validation rule: when `condition(record, old)` is true the write fails with `message`."""

    sobject: str
    name: str
    condition: Callable[[dict[str, object], dict[str, object] | None], bool]
    message: str
    field: str | None = None
    active: bool = True


@dataclass
class Rejection:
    """A scripted per-record failure for the next matching API write(s)."""

    code: str
    message: str
    sobject: str | None = None
    record_id: str | None = None
    times: int = 1
    fields: list[str] = field(default_factory=list)


class _Catalog:
    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables

    def table(self, name: str) -> Table | None:
        return self.tables.get(name.lower())


class Org:
    """The org: data and setup objects, Tooling objects, and the state around them. Guard with `lock`."""

    def __init__(self, seed: int, corporate_currency: str = "USD") -> None:
        self.lock = threading.RLock()
        self.instance = instance_chars(seed)
        self.org_id = mint("00D", self.instance, 1)
        self.corporate_currency = corporate_currency
        self.active_currencies: tuple[str, ...] = (corporate_currency,)
        self.tables: dict[str, Table] = {o.name.lower(): Table(o, self.instance) for o in standard_objects()}
        self.tables.update({o.name.lower(): Table(o, self.instance) for o in setup_objects()})
        self.tooling_tables = {o.name.lower(): Table(o, self.instance) for o in tooling_objects()}
        self.data = _Catalog(self.tables)
        self.tooling = _Catalog(self.tooling_tables)
        self.api_user_id = ""
        self.managed_fields: set[tuple[str, str]] = set()  # (object, field) created via Tooling: FLS applies
        self.validation_rules: list[ValidationRule] = []
        self.rejections: list[Rejection] = []
        self.listeners: list[Callable[[Change], None]] = []
        self.changes: deque[Change] = deque(maxlen=100_000)
        self._last_stamp = 0

    def table(self, name: str) -> Table | None:
        """A data object's table by name (any case)."""
        return self.tables.get(name.lower())

    def table_for_id(self, record_id: str) -> Table | None:
        """The data table whose key prefix starts `record_id`."""
        prefix = record_id[:3]
        return next((t for t in self.tables.values() if t.sobject.key_prefix == prefix), None)

    def sobjects(self) -> list[SObjectDef]:
        """Data and setup objects, in global-describe order."""
        return [t.sobject for t in self.tables.values()]

    def stamp(self) -> int:
        """Now, in whole seconds, never behind an earlier stamp and never ahead of the clock."""
        self._last_stamp = max(now_ms(), self._last_stamp)
        return self._last_stamp

    def publish(self, change: Change) -> None:
        """Record a committed write and tell the listeners (outbound messages)."""
        self.changes.append(change)
        for listener in self.listeners:
            listener(change)

    # --- field-level security for fields created through the Tooling API --------------------

    def api_permission_sets(self) -> set[str]:
        """Permission sets of the API user: its profile's own set plus assigned ones."""
        users, sets, assignments = (
            self.tables["user"],
            self.tables["permissionset"],
            self.tables["permissionsetassignment"],
        )
        index = users.index_of(self.api_user_id) if self.api_user_id else None
        if index is None:
            return set()
        profile_id = users.rows[index][users.sobject.by_name["profileid"].slot]  # type: ignore[index]
        owned_slot, profile_slot = sets.sobject.by_name["isownedbyprofile"].slot, sets.sobject.by_name["profileid"].slot
        out = {row[0] for row in sets.rows if row is not None and row[owned_slot] and row[profile_slot] == profile_id}
        assignee, permset = (
            assignments.sobject.by_name["assigneeid"].slot,
            assignments.sobject.by_name["permissionsetid"].slot,
        )
        out |= {row[permset] for row in assignments.rows if row is not None and row[assignee] == self.api_user_id}
        return {str(s) for s in out}

    def refresh_field_security(self) -> None:
        """Recompute which Tooling-created fields the API user can read and edit."""
        permissions = self.tables["fieldpermissions"]
        slots = {
            name: permissions.sobject.by_name[name.lower()].slot
            for name in ("ParentId", "Field", "PermissionsRead", "PermissionsEdit")
        }
        granted_sets = self.api_permission_sets()
        read: set[str] = set()
        edit: set[str] = set()
        for row in permissions.rows:
            if row is None or row[slots["ParentId"]] not in granted_sets:
                continue
            name = str(row[slots["Field"]]).lower()
            if row[slots["PermissionsRead"]]:
                read.add(name)
            if row[slots["PermissionsEdit"]]:
                edit.add(name)
        for sobject_name, field_name in self.managed_fields:
            definition = self.field_def(sobject_name, field_name)
            key = f"{sobject_name}.{field_name}".lower()
            definition.visible = key in read or key in edit
            definition.editable = key in edit

    def field_def(self, sobject_name: str, field_name: str) -> FieldDef:
        """A field by object and name, visible or not (for setup code)."""
        table = self.tables[sobject_name.lower()]
        found = table.sobject.field(field_name, api_view=False)
        assert found is not None, f"{sobject_name}.{field_name}"
        return found
