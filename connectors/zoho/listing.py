"""Incremental pull through the list API, yielding rows in (Modified_Time, id) order.

Zoho's list API sorts by `Modified_Time` only, with one-second stamps, so rows sharing a second
come in no promised order and may straddle pages [zoho.md §2.1]. Rows are therefore held per second
and released sorted by id once the next second shows up: the engine's (stamp, id) checkpoint then
means exactly "everything up to here", and a resumed run re-reads that second and skips what it has.

Paging: 200 rows a page; the next page by `info.next_page_token` whenever Zoho gives one (a token
continues after the last row delivered, whereas `page=N` offsets shift and skip a row when a record
earlier in the walk is edited or deleted meanwhile), otherwise `page=N` within the first 2,000 rows
— never both in one call. A token chain reaches 100,000 rows: counting delivered rows from the
`info` blocks, the walk starts a new chain (`If-Modified-Since` = the second still being collected)
before the next page would pass that reach, and likewise when a token expires or is refused. Only
if one second alone holds a whole chain's reach is that second read with COQL, by id.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Cursor, SourceRecord, Window
from connectors.errors import TransientError
from connectors.zoho.client import PER_PAGE, Page, ZohoClient
from connectors.zoho.coql import same_second_query
from connectors.zoho.errors import ZohoRequestError
from connectors.zoho.values import floor_second, next_second, parse_datetime

Walk = Generator[SourceRecord, None, "Cursor | None"]

DISCRETE_REACH = 2_000  # `page` × `per_page` stops here (DISCRETE_PAGINATION_LIMIT_EXCEEDED)
TOKEN_REACH = 100_000  # one page_token chain stops here (PAGINATION_LIMIT_EXCEEDED)
COQL_LIMIT = 2_000
# A refused or stale token only means "start a new chain"; nothing was lost.
RESTART_CODES = frozenset({"TOKEN_BOUND_DATA_MISMATCH", "EXPIRED_VALUE", "PAGINATION_LIMIT_EXCEEDED", "INVALID_DATA"})

ToRecord = Callable[[dict[str, Any], datetime], SourceRecord]


class _ChainEnded(Exception):
    """The current page chain cannot go on (reach, expired or refused token): start another."""


@dataclass
class ChainStats:
    """How the walk went, for tests and the benchmark."""

    pages: int = 0
    token_pages: int = 0
    chains: int = 0
    coql_calls: int = 0


class ModifiedWalk:
    """The rows of one module changed within a window, in (stamp, id) order."""

    def __init__(
        self,
        client: ZohoClient,
        module: str,
        fields: Sequence[str],
        to_record: ToRecord,
        reach: int = TOKEN_REACH,
    ) -> None:
        self.client = client
        self.module = module
        self.fields = list(fields)
        self.to_record = to_record
        self.reach = reach
        self.stats = ChainStats()

    def records(self, window: Window) -> Iterator[SourceRecord]:
        """Rows with start <= stamp < end, strictly after `window.after`.

        A row stamped in the run's starting second may have changed just after the run began; it is
        taken now and read again by the next run, whose window starts at or before that second.
        """
        end = window.end
        after = window.after
        start = window.start
        if after is not None and (start is None or after.stamp > start):
            start = after.stamp
        since = floor_second(start) if start is not None else None
        while True:
            collected = yield from self._chain(since, window.start, end, after)
            if collected.done or collected.restart_at is None:
                return
            after, since = collected.after, collected.restart_at
            if collected.one_second:
                # One second filled a whole chain: a new chain would start there again. Read it by id.
                after = yield from self._same_second(since, after)
                since = next_second(since)

    def _chain(
        self, since: datetime | None, lower: datetime | None, end: datetime, after: Cursor | None
    ) -> Generator[SourceRecord, None, _Collected]:
        self.stats.chains += 1
        held: list[tuple[str, dict[str, Any]]] = []
        held_stamp: datetime | None = None
        released = 0  # seconds released by this chain
        try:
            for row in self._rows(since):
                stamp = parse_datetime(str(row["Modified_Time"]))
                if stamp >= end:
                    break  # sorted ascending: the rest belongs to the next run
                if lower is not None and stamp < lower:
                    continue  # the header's slack second, or the part of a second before the window
                if held_stamp is not None and stamp != held_stamp:
                    after = yield from self._release(held_stamp, held, after)
                    held, released = [], released + 1
                held_stamp = stamp
                held.append((str(row["id"]), row))
        except _ChainEnded:
            if held_stamp is None:  # a whole chain of rows before the window: no way forward
                raise TransientError(f"Zoho list {self.module}: a page chain held no row of the window") from None
            return _Collected(False, after, held_stamp, one_second=released == 0)
        if held_stamp is not None:
            after = yield from self._release(held_stamp, held, after)
        return _Collected(True, after, None)

    def _release(self, stamp: datetime, held: list[tuple[str, dict[str, Any]]], after: Cursor | None) -> Walk:
        for crm_id, row in sorted(held, key=lambda pair: pair[0]):
            if after is not None and (stamp, crm_id) <= (after.stamp, after.crm_id):
                continue  # stored before a checkpoint, or re-read after a new chain began
            yield self.to_record(row, stamp)
            after = Cursor(stamp, crm_id)
        return after

    def _rows(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Rows of one page chain; raises _ChainEnded before passing the token reach."""
        page_number, token, delivered = 1, None, 0
        while True:
            page = self._fetch(since, page_number, token)
            yield from page.rows
            delivered += len(page.rows)
            if not page.rows or not page.more:
                return
            token = page.next_token
            page_number += 1
            if token is None and page_number * PER_PAGE > DISCRETE_REACH:
                raise _ChainEnded  # no token offered past the discrete reach: re-anchor instead
            if delivered + PER_PAGE > self.reach:
                raise _ChainEnded

    def _fetch(self, since: datetime | None, page_number: int, token: str | None) -> Page:
        # One second of slack before `since`: whether Zoho's If-Modified-Since is inclusive is not
        # documented (Airbyte treats it as inclusive); rows before the window are dropped above.
        since = since - timedelta(seconds=1) if since is not None else None
        try:
            if token is not None:
                self.stats.token_pages += 1
                page = self.client.list_page(self.module, self.fields, since=since, page_token=token)
            else:
                page = self.client.list_page(self.module, self.fields, since=since, page=page_number)
        except ZohoRequestError as error:
            if token is not None and error.code in RESTART_CODES:
                raise _ChainEnded from None
            raise
        self.stats.pages += 1
        return page

    def _same_second(self, second: datetime, after: Cursor | None) -> Walk:
        """Every row stamped `second`, by id through COQL (keyset on id), strictly after `after`."""
        last_id = after.crm_id if after is not None and after.stamp == second else "0"
        while True:
            query = same_second_query(self.module, self.fields, second, last_id, COQL_LIMIT)
            page = self.client.coql(query, COQL_LIMIT)
            self.stats.coql_calls += 1
            for row in sorted(page.rows, key=lambda r: str(r["id"])):
                last_id = str(row["id"])
                record = self.to_record(row, second)
                after = Cursor(second, record.crm_id)
                yield record
            if not page.more or not page.rows:
                return after


@dataclass(frozen=True)
class _Collected:
    done: bool
    after: Cursor | None
    restart_at: datetime | None  # where the next chain starts (the second still being collected)
    one_second: bool = False  # the chain ended inside the only second it reached
