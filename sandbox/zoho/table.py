"""One module's rows, kept compact, with sorted indexes for Zoho's three sort keys.

Rows are plain dicts of stored values (datetimes as epoch seconds, dates as `YYYY-MM-DD`,
lookups as target ids). Indexes are sorted `(key, id)` lists kept up to date with `bisect`, so a
`Modified_Time` window over 50k+ rows is a binary search, not a scan.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sandbox.zoho.schema import ModuleDef

SORT_KEYS = ("id", "Created_Time", "Modified_Time")  # what the list API can sort by [zoho.md §2.1]
Row = dict[str, Any]


@dataclass(frozen=True)
class DeletedEntry:
    """A row in the module's deleted-records list."""

    id: int
    display_name: str | None
    type: str  # recycle | permanent
    deleted_time: int
    deleted_by: int | None
    created_by: int | None


class Table:
    """Rows of one module keyed by numeric id, with lazily built, incrementally kept indexes."""

    def __init__(self, module: ModuleDef) -> None:
        self.module = module
        self.rows: dict[int, Row] = {}
        self.deleted: list[DeletedEntry] = []
        self._indexes: dict[str, list[tuple[int, int]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, row_id: int) -> Row | None:
        """The stored row, or None."""
        return self.rows.get(row_id)

    def insert(self, row: Row) -> None:
        """Add a row (its `id` must be new)."""
        self.rows[row["id"]] = row
        for key, index in self._indexes.items():
            bisect.insort(index, (_key_value(row, key), row["id"]))

    def update(self, row_id: int, values: Row) -> Row:
        """Change stored values in place, keeping the indexes sorted."""
        row = self.rows[row_id]
        for key, index in self._indexes.items():
            if key in values and values[key] != row.get(key):
                _remove(index, (_key_value(row, key), row_id))
                bisect.insort(index, (_key_value({**row, **values}, key), row_id))
        row.update(values)
        return row

    def remove(self, row_id: int) -> Row:
        """Take a row out of the table."""
        row = self.rows.pop(row_id)
        for key, index in self._indexes.items():
            _remove(index, (_key_value(row, key), row_id))
        return row

    def index(self, key: str) -> list[tuple[int, int]]:
        """Ascending `(value, id)` pairs for a sort key; built on first use."""
        if key not in self._indexes:
            self._indexes[key] = sorted((_key_value(row, key), row_id) for row_id, row in self.rows.items())
        return self._indexes[key]

    def scan(self) -> Iterator[Row]:
        """Every row, in id order."""
        for _, row_id in self.index("id"):
            yield self.rows[row_id]


def _key_value(row: Row, key: str) -> int:
    value = row.get(key)
    return int(value) if value is not None else 0


def _remove(index: list[tuple[int, int]], item: tuple[int, int]) -> None:
    position = bisect.bisect_left(index, item)
    if position < len(index) and index[position] == item:
        del index[position]
