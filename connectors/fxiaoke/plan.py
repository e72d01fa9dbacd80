"""What one pull reads from one object, decided from the mapping and `object/describe`.

Every mapped field is checked against describe before the run (reference sync.md §9 item 10): a
missing field is reported and dropped, and the object keeps syncing without it. Rows become
SourceRecords here: the stamp from `last_modified_time`, values through `values.reader`, and a
record 作废 (`life_status` invalid) or flagged `is_deleted` as a deletion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connectors.base import SourceRecord
from connectors.fxiaoke.query import ID, STAMP, Row, position, valid_name
from connectors.fxiaoke.schema import DERIVED_SUFFIX, FxField, find_field
from connectors.fxiaoke.values import Reader, reader
from connectors.mapping import parse_stamp

SYSTEM_READS = (ID, STAMP, "life_status", "is_deleted")
INVALID = "invalid"  # 作废: still readable, no longer in force


@dataclass
class ReadPlan:
    """The fields one object's reads carry, how each is read, and what was dropped."""

    crm_object: str
    readers: dict[str, Reader] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def projection(self) -> list[str]:
        """The `fieldProjection` of every query on this object."""
        return list(dict.fromkeys([*SYSTEM_READS, *self.readers]))

    def record(self, row: Row) -> SourceRecord:
        """A row as the engine takes it; a field Fxiaoke left out (null) reads as None."""
        stamp_ms, crm_id = position(row)
        values = {name: read(row.get(name)) for name, read in self.readers.items()}
        deleted = row.get("life_status") == INVALID or row.get("is_deleted") is True
        return SourceRecord(crm_id, parse_stamp(stamp_ms), values, deleted)

    def has(self, name: str) -> bool:
        """True when the field survived the describe check."""
        return name in self.readers


def read_plan(
    crm_object: str,
    section: str,
    wanted: Sequence[str],
    described: Mapping[str, FxField],
    by_label: Sequence[str] = (),
) -> ReadPlan:
    """Check each wanted field against describe; `by_label` (write-back) fields read options as labels."""
    plan = ReadPlan(crm_object)
    for name in dict.fromkeys(wanted):
        found = find_field(described, name) if valid_name(name) else None
        if found is None:
            if name not in by_label:  # a write-back field: reported under writeback
                plan.problems.append(f"{section}: {crm_object} has no field {name!r} (dropped from reads)")
            continue
        derived = name != found.name and name.endswith(DERIVED_SUFFIX)
        plan.readers[name] = (lambda value: value) if derived else reader(found, name in by_label)
    return plan
