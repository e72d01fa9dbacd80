"""An in-memory CRM and a connector over it, for the engine's own tests.

`FakeCrm` holds objects by CRM name, stamps every change with its own clock, keeps a delete log and
a log of every write it received; it can be saved to and loaded from a JSON file, so a sync killed
in a subprocess leaves the CRM as a real one would. `FakeConnector` implements the `Connector`
Protocol with the ordering and window semantics real connectors promise, plus injectable faults.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.base import (
    ApiUsage,
    Change,
    ConnectorContext,
    Deletion,
    FieldInfo,
    FieldSetup,
    FieldSpec,
    Notification,
    ObjectKind,
    RecordWrite,
    SourceRecord,
    SourceSettings,
    Window,
    WriteOutcome,
)
from connectors.errors import QuotaExhausted, TransientError
from connectors.mapping import pull_fields


class SimulatedCrash(Exception):
    """Stands for a process dying at this point (not a CrmCreditError: nothing is flushed)."""


@dataclass
class FakeCrm:
    """CRM state: objects -> id -> fields (with `_stamp`), deletions, writes received."""

    now: datetime = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    deleted: dict[str, dict[str, str]] = field(default_factory=dict)
    writes: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

    def tick(self, seconds: float = 1) -> datetime:
        """Advance the CRM's clock."""
        self.now += timedelta(seconds=seconds)
        return self.now

    def put(self, crm_object: str, crm_id: str, stamp: datetime | None = None, **values: Any) -> None:
        """Create or update a record; its stamp is the CRM clock unless given (a late commit)."""
        row = self.objects.setdefault(crm_object, {}).setdefault(crm_id, {})
        row.update(values)
        row["_stamp"] = (stamp or self.now).isoformat()
        self.deleted.get(crm_object, {}).pop(crm_id, None)

    def delete(self, crm_object: str, crm_id: str, hard: bool = False) -> None:
        """Delete a record; a hard delete leaves no trace in the delete log (purged recycle bin)."""
        self.objects.get(crm_object, {}).pop(crm_id, None)
        if not hard:
            self.deleted.setdefault(crm_object, {})[crm_id] = self.now.isoformat()

    def row(self, crm_object: str, crm_id: str) -> dict[str, Any]:
        """One record's fields."""
        return self.objects[crm_object][crm_id]

    def save(self) -> None:
        """Persist to `path` atomically (a subprocess CRM survives kill -9 of its client)."""
        if self.path is None:
            return
        data = {"now": self.now.isoformat(), "objects": self.objects, "deleted": self.deleted, "writes": self.writes}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, default=str))
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: Path) -> FakeCrm:
        """Read a CRM saved with `save`."""
        data = json.loads(path.read_text())
        crm = cls(datetime.fromisoformat(data["now"]), data["objects"], data["deleted"], data["writes"], path)
        return crm


@dataclass
class Faults:
    """Failures to inject; counters are per connector."""

    crash_after_records: int | None = None  # SimulatedCrash after yielding this many pulled rows
    quota_after_records: int | None = None  # QuotaExhausted after this many pulled rows
    crash_on_push_batch: int | None = None  # SimulatedCrash after the CRM applied this push batch (1-based)
    push_error_on_batch: int | None = None  # TransientError raised before this push batch is applied
    reject: Callable[[str, Mapping[str, Any]], str | None] | None = None  # -> message to reject with
    transient_failures: dict[str, int] = field(default_factory=dict)  # crm_id -> failures left
    unordered: bool = False


class FakeConnector:
    """A `Connector` over a FakeCrm, driven by a source's mapping settings."""

    kind = "fake"

    def __init__(self, source: str, settings: SourceSettings, crm: FakeCrm, faults: Faults | None = None) -> None:
        self.source = source
        self.settings = settings
        self.crm = crm
        self.faults = faults or Faults()
        self.write_batch_size = 3
        self.calls: list[str] = []
        self.pushed: list[RecordWrite] = []
        self.pulled_ids: list[str] = []
        self._pulled = 0
        self._push_batches = 0

    def _object(self, kind: ObjectKind) -> str:
        mapping = self.settings.mapping(kind)
        assert mapping is not None, kind
        return mapping.object

    def _record(self, kind: ObjectKind, crm_id: str, row: Mapping[str, Any]) -> SourceRecord:
        wanted = pull_fields(self.settings, kind)
        values = {name: row.get(name) for name in wanted}
        return SourceRecord(crm_id, datetime.fromisoformat(row["_stamp"]), values, bool(row.get("IsDeleted")))

    def check_mapping(self) -> list[str]:
        """Every mapped field must exist on some record of its object (or the object be empty)."""
        self.calls.append("check_mapping")
        return []

    def pull_changed(self, kind: ObjectKind, window: Window) -> Iterator[SourceRecord]:
        """Rows with start <= stamp < end, after the checkpoint, in (stamp, id) order."""
        self.calls.append(f"pull_changed:{kind}")
        rows = self.crm.objects.get(self._object(kind), {})
        selected = []
        for crm_id, row in rows.items():
            stamp = datetime.fromisoformat(row["_stamp"])
            if (window.start is not None and stamp < window.start) or stamp >= window.end:
                continue
            if window.after is not None and (stamp, crm_id) <= (window.after.stamp, window.after.crm_id):
                continue
            selected.append((stamp, crm_id))
        selected.sort(reverse=self.faults.unordered)
        for _stamp, crm_id in selected:
            self._pulled += 1
            if self.faults.quota_after_records is not None and self._pulled > self.faults.quota_after_records:
                raise QuotaExhausted("fake: daily API limit reached")
            if self.faults.crash_after_records is not None and self._pulled > self.faults.crash_after_records:
                raise SimulatedCrash(f"crash after {self.faults.crash_after_records} records")
            self.pulled_ids.append(crm_id)
            yield self._record(kind, crm_id, rows[crm_id])

    def pull_deleted(self, kind: ObjectKind, window: Window) -> Iterator[Deletion]:
        """Deletions logged within the window."""
        self.calls.append(f"pull_deleted:{kind}")
        for crm_id, at in sorted(self.crm.deleted.get(self._object(kind), {}).items()):
            moment = datetime.fromisoformat(at)
            if (window.start is None or moment >= window.start) and moment < window.end:
                yield Deletion(crm_id, moment)

    def fetch_by_ids(self, kind: ObjectKind, crm_ids: Sequence[str]) -> list[SourceRecord]:
        """Current rows; ids the CRM no longer has come back deleted."""
        self.calls.append(f"fetch_by_ids:{kind}")
        rows = self.crm.objects.get(self._object(kind), {})
        found = []
        for crm_id in crm_ids:
            if crm_id in rows:
                found.append(self._record(kind, crm_id, rows[crm_id]))
            else:
                found.append(SourceRecord(crm_id, self.crm.now, {}, deleted=True))
        return found

    def fetch_for_accounts(self, kind: ObjectKind, account_crm_ids: Sequence[str]) -> Iterator[SourceRecord]:
        """All rows of `kind` whose account lookup is one of these accounts."""
        self.calls.append(f"fetch_for_accounts:{kind}")
        mapping = self.settings.mapping(kind)
        assert mapping is not None
        lookup = mapping.fields["account_crm_id"]
        wanted = set(account_crm_ids)
        for crm_id, row in sorted(self.crm.objects.get(mapping.object, {}).items()):
            if row.get(lookup) in wanted:
                yield self._record(kind, crm_id, row)

    def fetch_written_values(self, crm_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The write-back fields' current values."""
        self.calls.append("fetch_written_values")
        wb = self.settings.writeback
        assert wb is not None
        rows = self.crm.objects.get(wb.object, {})
        return {i: {f: rows[i].get(f) for f in wb.fields.values()} for i in crm_ids if i in rows}

    def push(self, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
        """Apply a batch; each record succeeds, is rejected, or fails transiently."""
        assert len(writes) <= self.write_batch_size
        self.calls.append("push")
        self._push_batches += 1
        if self.faults.push_error_on_batch == self._push_batches:
            raise TransientError("fake: connection reset")
        wb = self.settings.writeback
        assert wb is not None
        outcomes = [self._apply(wb.object, write) for write in writes]
        self.crm.save()
        if self.faults.crash_on_push_batch == self._push_batches:
            raise SimulatedCrash(f"crash after push batch {self._push_batches}")
        return outcomes

    def _apply(self, crm_object: str, write: RecordWrite) -> WriteOutcome:
        message = self.faults.reject(write.crm_id, write.values) if self.faults.reject else None
        if message:
            return WriteOutcome(write.crm_id, False, "FIELD_CUSTOM_VALIDATION_EXCEPTION", message)
        left = self.faults.transient_failures.get(write.crm_id, 0)
        if left:
            self.faults.transient_failures[write.crm_id] = left - 1
            return WriteOutcome(write.crm_id, False, "UNABLE_TO_LOCK_ROW", "record locked", transient=True)
        rows = self.crm.objects.get(crm_object, {})
        if write.crm_id not in rows:
            return WriteOutcome(write.crm_id, False, "ENTITY_IS_DELETED", "entity is deleted")
        self.pushed.append(write)
        self.crm.writes.append({"crm_id": write.crm_id, "values": {k: str(v) for k, v in write.values.items()}})
        self.crm.tick()
        self.crm.put(crm_object, write.crm_id, **dict(write.values))
        return WriteOutcome(write.crm_id, True)

    def describe(self, crm_object: str) -> list[FieldInfo]:
        """Every field seen on the object; write-back text fields are 255 long."""
        self.calls.append(f"describe:{crm_object}")
        names: dict[str, None] = {}
        for row in self.crm.objects.get(crm_object, {}).values():
            names.update(dict.fromkeys(k for k in row if not k.startswith("_")))
        wb = self.settings.writeback
        if wb is not None and wb.object == crm_object:
            names.update(dict.fromkeys(wb.fields.values()))
        return [FieldInfo(name=n, label=n, type="string", length=255) for n in names]

    def create_fields(self, specs: Iterable[FieldSpec]) -> list[FieldSetup]:
        """Nothing to create in a schemaless fake."""
        return [FieldSetup(s.decision_key, s.name, "exists") for s in specs]

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """`{"kind": ..., "ids": [...]}`."""
        data = json.loads(body)
        return Notification(tuple(Change(data["kind"], i) for i in data["ids"]))

    def api_usage(self) -> ApiUsage:
        """Calls counted by this connector."""
        return ApiUsage(None, None, len(self.calls))

    def close(self) -> None:
        """Nothing to release."""


def fake_factory(crm: FakeCrm, faults: Faults | None = None) -> Callable[[str, Any, ConnectorContext], FakeConnector]:
    """A registry factory that hands out connectors over one FakeCrm (keeping the last one made)."""

    def make(source: str, settings: Any, context: ConnectorContext) -> FakeConnector:
        connector = FakeConnector(source, settings, crm, faults)
        make.last = connector  # type: ignore[attr-defined]
        return connector

    return make
