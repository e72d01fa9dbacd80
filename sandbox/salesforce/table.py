"""Compact row storage for one object, indexed the way Salesforce's own queries are fast.

Rows are tuples in field-slot order (a field added later is simply missing from older, shorter
tuples). Row i holds the record whose id encodes counter i + 1, so an id finds its row without a
dictionary. A SystemModstamp log (two int arrays kept in stamp order) answers window queries
without scanning; lookups get an id → rows index on first use.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from sandbox.salesforce.ids import counter_of, mint, to18
from sandbox.salesforce.schema import SObjectDef

Row = tuple[object, ...]


class Table:
    """All records of one object; `rows[i]` is None once hard-deleted."""

    def __init__(self, sobject: SObjectDef, instance: str) -> None:
        self.sobject = sobject
        self.instance = instance
        self.rows: list[Row | None] = []
        stamp = sobject.by_name.get("systemmodstamp")
        self.stamp_slot = stamp.slot if stamp is not None else -1
        self._log_stamp = array("q")
        self._log_row = array("q")
        self._log_pos = array("q")  # per row: its current position in the log
        self._log_sorted = True
        self._ref_index: dict[int, dict[str, list[int]]] = {}
        self.deleted_log: list[tuple[str, int]] = []  # (id, deleted at ms), soft and hard deletes

    def __len__(self) -> int:
        return len(self.rows)

    def next_id(self) -> str:
        """The id the next inserted record gets."""
        return mint(self.sobject.key_prefix, self.instance, len(self.rows) + 1)

    def index_of(self, record_id: str) -> int | None:
        """The row of a 15- or 18-char id, or None when no such record exists (any more)."""
        if record_id[:3] != self.sobject.key_prefix:
            return None
        counter = counter_of(record_id)
        if counter is None or not 0 < counter <= len(self.rows):
            return None
        row = self.rows[counter - 1]
        if row is None or row[0] != to18(record_id):
            return None
        return counter - 1

    def value(self, row: Row, slot: int) -> object:
        """The value in `slot` (None for a field created after the row was written)."""
        return row[slot] if slot < len(row) else None

    def insert(self, row: Row) -> int:
        """Append a new record (its Id must be `next_id()`), returning its row index."""
        index = len(self.rows)
        self.rows.append(row)
        self._log_pos.append(0)
        self._log(index, row)
        for slot, by_id in self._ref_index.items():
            self._index_add(by_id, row, slot, index)
        return index

    def replace(self, index: int, row: Row) -> None:
        """Store a new version of a record (stamps already moved by the caller)."""
        old = self.rows[index]
        self.rows[index] = row
        self._log(index, row)
        for slot, by_id in self._ref_index.items():
            before = self.value(old, slot) if old is not None else None
            if before != self.value(row, slot):
                if isinstance(before, str) and index in by_id.get(before, ()):
                    by_id[before].remove(index)
                self._index_add(by_id, row, slot, index)

    def drop(self, index: int) -> None:
        """Remove a record for good (hard delete)."""
        old = self.rows[index]
        self.rows[index] = None
        for slot, by_id in self._ref_index.items():
            before = self.value(old, slot) if old is not None else None
            if isinstance(before, str) and index in by_id.get(before, ()):
                by_id[before].remove(index)

    def live_indexes(self) -> Iterator[int]:
        """Every stored row index, deleted-flagged rows included."""
        return (i for i, row in enumerate(self.rows) if row is not None)

    # --- SystemModstamp log -------------------------------------------------------------------

    def _log(self, index: int, row: Row) -> None:
        if self.stamp_slot < 0:
            return
        stamp = row[self.stamp_slot]
        assert isinstance(stamp, int)
        if self._log_stamp and stamp < self._log_stamp[-1]:
            self._log_sorted = False
        self._log_pos[index] = len(self._log_row)
        self._log_stamp.append(stamp)
        self._log_row.append(index)

    def _rebuild_log(self) -> None:
        slot = self.stamp_slot
        stamps = array("q", (int(row[slot]) if row is not None else 0 for row in self.rows))  # type: ignore[call-overload]
        order = sorted((i for i, row in enumerate(self.rows) if row is not None), key=lambda i: stamps[i])
        self._log_row = array("q", order)
        self._log_stamp = array("q", (stamps[i] for i in order))
        positions = self._log_pos
        for position, index in enumerate(order):
            positions[index] = position
        self._log_sorted = True

    def sort_log(self) -> None:
        """Put the stamp log in order now (after a bulk load), not on the first window query."""
        if not self._log_sorted:
            self._rebuild_log()

    def window(self, low: int | None, high: int | None, low_open: bool, high_open: bool) -> Iterator[int]:
        """Rows whose current SystemModstamp lies in the range, in stamp order, without a full scan."""
        if not self._log_sorted:
            self._rebuild_log()
        stamps, rows, positions = self._log_stamp, self._log_row, self._log_pos
        start = 0 if low is None else (bisect_right if low_open else bisect_left)(stamps, low)
        end = len(stamps) if high is None else (bisect_left if high_open else bisect_right)(stamps, high)
        for position in range(start, end):
            index = rows[position]
            if positions[index] == position and self.rows[index] is not None:
                yield index

    # --- lookup index -------------------------------------------------------------------------

    def _index_add(self, by_id: dict[str, list[int]], row: Row, slot: int, index: int) -> None:
        value = self.value(row, slot)
        if isinstance(value, str):
            by_id.setdefault(value, []).append(index)

    def referencing(self, slot: int, record_id: str) -> list[int]:
        """Rows whose lookup in `slot` points at `record_id` (index built on first use)."""
        by_id = self._ref_index.get(slot)
        if by_id is None:
            by_id = {}
            for index, row in enumerate(self.rows):
                if row is not None:
                    self._index_add(by_id, row, slot, index)
            self._ref_index[slot] = by_id
        return by_id.get(record_id, [])
