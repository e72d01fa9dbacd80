"""Reading one sObject: window pulls (REST `queryAll`, or Bulk API 2.0 for big backlogs), fetches
by id or by account, and the `deleted/` resource.

Rows come in (SystemModstamp, Id) order so the engine can checkpoint and resume strictly after
the last stored row. A window's size is estimated with COUNT() first (one call, counted in the
budget); above `bulk_threshold` rows the pull runs as a Bulk 2.0 query job, and if that job fails
the REST query takes over right after the last row already handed out (Heroku Connect, Fivetran).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Cursor, Deletion, SourceRecord, Window
from connectors.mapping import parse_stamp
from connectors.salesforce import soql
from connectors.salesforce.bulk import BulkFailed, bulk_records
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.schema import Columns, ObjectSchema

log = logging.getLogger(__name__)
ORDER = "SystemModstamp, Id"
DELETED_RETENTION = timedelta(days=15)  # getDeleted looks back at most 15 days
_IN_ROOM = soql.MAX_SOQL_CHARS - 1_000  # what an IN list may use of a statement


@dataclass
class ObjectReader:
    """Reads of one mapped object."""

    client: SalesforceClient
    schema: ObjectSchema
    columns: Columns
    bulk_threshold: int
    bulk_wait_s: float = 2.0

    @property
    def sobject(self) -> str:
        """The object's API name."""
        return self.schema.name

    def _select_list(self) -> list[str]:
        extra = ["IsDeleted"] if self.columns.has_deleted else []
        names = ["Id", soql.STAMP, *extra]
        return list(dict.fromkeys(names + [n for n in self.columns.api_names() if n not in names]))

    def record(self, row: dict[str, Any]) -> SourceRecord:
        """A REST row as a SourceRecord keyed by the mapping's field names."""
        values = {key: row.get(api) for key, api in self.columns.pairs}
        return SourceRecord(str(row["Id"]), parse_stamp(row[soql.STAMP]), values, bool(row.get("IsDeleted")))

    # ---- window pulls ----------------------------------------------------------------------------

    def changed(self, window: Window) -> Iterator[SourceRecord]:
        """Rows changed within the window (soft deletes included, flagged), in (stamp, Id) order."""
        where = soql.window_clause(window)
        what = f"query {self.sobject}"
        total = self.client.count(what, soql.select(["COUNT()"], self.sobject, where), self.columns.has_deleted)
        text = soql.select(self._select_list(), self.sobject, where, ORDER)
        last = window.after
        if total > self.bulk_threshold:
            try:
                for record in bulk_records(self.client, self, text, self.bulk_wait_s):
                    if last is None or (record.stamp, record.crm_id) > (last.stamp, last.crm_id):
                        last = Cursor(record.stamp, record.crm_id)
                        yield record
                return
            except BulkFailed as failure:
                log.warning("Bulk API 2.0 query of %s failed (%s); continuing with REST", self.sobject, failure)
                where = soql.window_clause(Window(window.start, window.end, last))
                text = soql.select(self._select_list(), self.sobject, where, ORDER)
        yield from self._rest(text, last)

    def _rest(self, text: str, after: Cursor | None) -> Iterator[SourceRecord]:
        for page in self.client.query_pages(f"query {self.sobject}", text, self.columns.has_deleted):
            for row in page:
                record = self.record(row)
                if after is None or (record.stamp, record.crm_id) > (after.stamp, after.crm_id):
                    yield record

    # ---- fetches ---------------------------------------------------------------------------------

    def by_ids(self, crm_ids: Sequence[str], now: datetime) -> list[SourceRecord]:
        """Current rows for these ids; valid ids Salesforce no longer has come back deleted."""
        ids = list(dict.fromkeys(crm_ids))
        found: dict[str, SourceRecord] = {}
        for chunk in soql.id_chunks(ids, _IN_ROOM):
            text = soql.select(self._select_list(), self.sobject, f"Id IN {soql.in_list(chunk)}")
            for page in self.client.query_pages(f"query {self.sobject}", text, self.columns.has_deleted):
                for row in page:
                    record = self.record(row)
                    found[record.crm_id] = record
        out = []
        for crm_id in ids:
            if not soql.is_record_id(crm_id):
                log.warning("ignoring %r: not a Salesforce record id", crm_id)
                continue
            key = soql.to18(crm_id)
            out.append(found.get(key) or SourceRecord(key, now, {}, deleted=True))
        return out

    def for_accounts(self, lookup: str, account_ids: Sequence[str]) -> Iterator[SourceRecord]:
        """Live rows whose `lookup` field points at one of these accounts."""
        for chunk in soql.id_chunks(list(dict.fromkeys(account_ids)), _IN_ROOM):
            text = soql.select(self._select_list(), self.sobject, f"{lookup} IN {soql.in_list(chunk)}", ORDER)
            for page in self.client.query_pages(f"query {self.sobject}", text, False):
                for row in page:
                    yield self.record(row)

    def deleted(self, window: Window, now: datetime) -> Iterator[Deletion]:
        """Records the `deleted/` resource lists within the window (as far back as it remembers)."""
        if window.start is None:
            return
        earliest = now - DELETED_RETENTION + timedelta(minutes=1)
        start = max(window.start, earliest)
        if start > window.start:
            log.warning("%s deletions before %s are beyond Salesforce's 15-day memory", self.sobject, start)
        end = min(window.end, now)
        if start >= end:
            return
        params = {"start": _iso(start), "end": _iso(end)}
        answer = self.client.rest(f"deleted {self.sobject}", f"sobjects/{self.sobject}/deleted/", params=params)
        for item in (answer or {}).get("deletedRecords", []):
            when = item.get("deletedDate")
            yield Deletion(str(item["id"]), parse_stamp(when) if when else None)


def _iso(moment: datetime) -> str:
    """getUpdated/getDeleted parameters: ISO 8601 with an explicit offset (simple-salesforce's form)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
