"""Reads other than the incremental walk: deletions, records by id, and an account's children.

- Deletions: `GET /{module}/deleted?type=all` with `If-Modified-Since`, paged by `page`, newest first.
- By id: the list API's `ids` parameter (≤ 100 ids a call) — one call for a whole batch, where
  `GET /{module}/{id}` would cost one per record.
- By account: COQL on the lookup, ≤ 50 accounts a query, keyset on id, 2,000 rows a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from connectors.base import Deletion, SourceRecord, Window
from connectors.zoho.client import ZohoClient
from connectors.zoho.coql import MAX_IN, by_lookup_query
from connectors.zoho.values import floor_second, is_zoho_id, parse_datetime, plain_fields

log = logging.getLogger(__name__)

IDS_PER_CALL = 100
COQL_LIMIT = 2_000
DELETED_PAGES_MAX = 500  # 100,000 deletions: far beyond Zoho's 60/120-day retention in practice

ToRecord = Callable[[dict[str, Any], datetime], SourceRecord]


class Reader:
    """Typed reads over one client."""

    def __init__(self, client: ZohoClient) -> None:
        self.client = client

    @staticmethod
    def to_record(fields: Sequence[str], types: Mapping[str, str]) -> ToRecord:
        """A function turning a Zoho row (and its parsed stamp) into a SourceRecord."""
        names = list(fields)

        def build(row: dict[str, Any], stamp: datetime) -> SourceRecord:
            return SourceRecord(str(row["id"]), stamp, plain_fields(row, names, types))

        return build

    def deleted(self, module: str, window: Window) -> Iterator[Deletion]:
        """Deletions with start <= deleted_time < end, newest first as Zoho lists them."""
        since = floor_second(window.start) if window.start is not None else None
        for page_number in range(1, DELETED_PAGES_MAX + 1):
            page = self.client.deleted_page(module, page_number, since)
            for entry in page.rows:
                at = parse_datetime(str(entry["deleted_time"])) if entry.get("deleted_time") else None
                if at is not None and (at >= window.end or (window.start is not None and at < window.start)):
                    continue
                yield Deletion(str(entry["id"]), at)
            if not page.more or not page.rows:
                return

    def by_ids(
        self, module: str, fields: Sequence[str], types: Mapping[str, str], crm_ids: Sequence[str]
    ) -> list[SourceRecord]:
        """Current rows in the order asked; ids Zoho no longer has come back with `deleted=True`."""
        wanted = _zoho_ids(crm_ids)
        build = self.to_record(fields, types)
        found: dict[str, SourceRecord] = {}
        for start in range(0, len(wanted), IDS_PER_CALL):
            chunk = wanted[start : start + IDS_PER_CALL]
            page = self.client.list_page(module, fields, ids=chunk, by_modified=False)
            for row in page.rows:
                record = build(row, parse_datetime(str(row["Modified_Time"])))
                found[record.crm_id] = record
        now = self.client.clock()
        return [found.get(i) or SourceRecord(i, now, {}, deleted=True) for i in wanted]

    def by_lookup(
        self,
        module: str,
        fields: Sequence[str],
        types: Mapping[str, str],
        lookup: str,
        parent_ids: Sequence[str],
    ) -> Iterator[SourceRecord]:
        """Every row whose `lookup` points at one of `parent_ids`, by id within each group of 50."""
        build = self.to_record(fields, types)
        parents = _zoho_ids(parent_ids)
        for start in range(0, len(parents), MAX_IN):
            group, last_id = parents[start : start + MAX_IN], "0"
            while True:
                query = by_lookup_query(module, [*fields, lookup], lookup, group, last_id, COQL_LIMIT)
                page = self.client.coql(query, COQL_LIMIT)
                for row in page.rows:
                    last_id = str(row["id"])
                    yield build(row, parse_datetime(str(row["Modified_Time"])))
                if not page.more or not page.rows:
                    break


def _zoho_ids(crm_ids: Sequence[str]) -> list[str]:
    """The ids shaped as Zoho's, once each; the rest (a generic webhook's or a garbled lookup's) are skipped,
    so one bad id cannot fail the fetch of the good ones merged into the same job."""
    wanted = []
    for crm_id in dict.fromkeys(crm_ids):
        if is_zoho_id(crm_id):
            wanted.append(crm_id)
        else:
            log.warning("ignoring %r: not a Zoho record id", crm_id)
    return wanted
