"""The emulated org: modules, users and every write, which moves `Modified_Time` and announces a change.

Writes come from the API (PUT/POST) and from the control API (a user editing in the CRM); both
stamp `Modified_Time`/`Modified_By` and notify listeners (the notification channels), because
Zoho fires notifications for every change, API writes included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.zoho.clock import Clock, OrgTime
from sandbox.zoho.ids import IdAllocator, make_id
from sandbox.zoho.schema import ModuleDef, all_modules
from sandbox.zoho.table import DeletedEntry, Row, Table


@dataclass(frozen=True)
class User:
    """A CRM user (record owner or API user)."""

    id: int
    first_name: str
    last_name: str
    email: str
    profile: str = "Standard"
    role: str = "Sales Rep"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def ref(self) -> dict[str, str]:
        """How a record shows this user: `{name, id, email}`."""
        return {"name": self.full_name, "id": str(self.id), "email": self.email}


@dataclass(frozen=True)
class Change:
    """What one write did: the module, the operation Zoho names in callbacks, the ids, the fields."""

    module: str
    operation: str  # insert | update | delete (callback spellings)
    ids: tuple[int, ...]
    fields: dict[int, tuple[str, ...]] = field(default_factory=dict)
    related: tuple[tuple[str, int], ...] = ()  # (module, id) of records these rows look up


Listener = Callable[[Change], None]


class Org:
    """All state of one Zoho org; every public method takes the org lock."""

    def __init__(self, clock: Clock, time: OrgTime, currencies: tuple[str, ...]) -> None:
        self.clock = clock
        self.time = time
        self.currencies = currencies
        self.lock = threading.RLock()
        self.modules: dict[str, ModuleDef] = all_modules(currencies)
        self.tables: dict[str, Table] = {name: Table(module) for name, module in self.modules.items()}
        self.users: dict[int, User] = {}
        self.ids = IdAllocator()
        self.listeners: list[Listener] = []
        self.api_user_id = make_id("Users", 0)
        self._number_metadata()

    def _number_metadata(self) -> None:
        for module in self.modules.values():
            module.id = str(self.ids.allocate("modules"))
            for definition in module.fields.values():
                definition.id = str(self.ids.allocate("fields"))

    def module(self, name: str) -> ModuleDef | None:
        """A record module by exact API name."""
        return self.modules.get(name)

    def user(self, user_id: int) -> User | None:
        """A user by id."""
        return self.users.get(user_id)

    def create(self, module: str, values: Row, by: int) -> int:
        """Insert a record (values already validated) and announce it."""
        with self.lock:
            row_id = self._insert(module, values, by)
            related = self._related(module, [self.tables[module].rows[row_id]])
        self._emit(Change(module, "insert", (row_id,), related=related))
        return row_id

    def _insert(self, module: str, values: Row, by: int) -> int:
        now = self.clock.epoch()
        row_id = self.ids.allocate(module)
        row: Row = {"Owner": by, **values, "id": row_id}
        row.update(Created_Time=now, Modified_Time=now, Created_By=by, Modified_By=by)
        self.tables[module].insert(row)
        return row_id

    def update_many(self, module: str, changes: Iterable[tuple[int, Row]], by: int) -> list[Row]:
        """Apply validated changes to existing rows in one write; every row's `Modified_Time` moves."""
        with self.lock:
            now = self.clock.epoch()
            table = self.tables[module]
            touched: list[Row] = []
            fields: dict[int, tuple[str, ...]] = {}
            for row_id, values in changes:
                fields[row_id] = tuple(k for k, v in values.items() if table.rows[row_id].get(k) != v)
                touched.append(table.update(row_id, {**values, "Modified_Time": now, "Modified_By": by}))
            snapshot = [dict(row) for row in touched]
            related = self._related(module, snapshot)
        if snapshot:
            self._emit(Change(module, "update", tuple(r["id"] for r in snapshot), fields, related))
        return snapshot

    def delete(self, module: str, row_id: int, by: int, permanent: bool = False) -> None:
        """Delete a record into the recycle bin (or permanently) and announce it."""
        with self.lock:
            table = self.tables[module]
            row = table.remove(row_id)
            display = row.get(table.module.display_field)
            kind = "permanent" if permanent else "recycle"
            entry = DeletedEntry(row_id, display, kind, self.clock.epoch(), by, row.get("Created_By"))
            table.deleted.append(entry)
            related = self._related(module, [row])
        self._emit(Change(module, "delete", (row_id,), related=related))

    def _related(self, module: str, rows: list[Row]) -> tuple[tuple[str, int], ...]:
        # Parents reached through lookups to other modules (an invoice's account): Zoho notifies
        # them as "related actions" unless a channel sets notify_on_related_action false.
        lookups = [d for d in self.modules[module].fields.values() if d.data_type == "lookup" and d.lookup != module]
        found = {(d.lookup or "", row[d.api_name]) for d in lookups for row in rows if row.get(d.api_name)}
        return tuple(sorted(found))

    def _emit(self, change: Change) -> None:
        for listener in list(self.listeners):
            listener(change)

    def display_name(self, module: str, row_id: int) -> str | None:
        """The display value of a record (a lookup's `name`)."""
        table = self.tables.get(module)
        row = table.get(row_id) if table else None
        return row.get(table.module.display_field) if row and table else None

    def render_value(self, module: str, api_name: str, value: Any) -> Any:
        """A stored value as Zoho's JSON shows it."""
        definition = self.modules[module].fields.get(api_name)
        if value is None or definition is None:
            return value
        kind = definition.data_type
        if kind == "datetime":
            return self.time.format(value)
        if kind == "ownerlookup":
            user = self.users.get(value)
            return user.ref() if user else {"name": None, "id": str(value), "email": None}
        if kind == "lookup":
            return {"name": self.display_name(definition.lookup or module, value), "id": str(value)}
        return value

    def render(self, module: str, row: Row, fields: Iterable[str] | None = None) -> dict[str, Any]:
        """A record as the API returns it: `id` first, then the asked fields (all when None)."""
        names = list(fields) if fields is not None else list(self.modules[module].fields)
        out: dict[str, Any] = {"id": str(row["id"])}
        for name in names:
            if name != "id":
                out[name] = self.render_value(module, name, row.get(name))
        if any(self.modules[module].fields[n].data_type == "currency" for n in names if n != "id"):
            out["$currency_symbol"] = _SYMBOLS.get(row.get("Currency") or "", "$")
        return out


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "MXN": "MX$", "INR": "Rs."}
