"""Pages of the list API: discrete `page` up to 2,000 rows, then opaque `page_token`s up to 100,000.

Zoho's rule [zoho.md §2.1; OAS `getRecords`]: `page` × `per_page` reaches only the first 2,000
records (`DISCRETE_PAGINATION_LIMIT_EXCEEDED`); past that a client sends the previous
`info.next_page_token`; tokens are bound to the other parameters (`TOKEN_BOUND_DATA_MISMATCH`),
live 24 h (`EXPIRED_VALUE`) and reach 100,000 records (`PAGINATION_LIMIT_EXCEEDED`); `page`
together with `page_token` is `AMBIGUITY_DURING_PROCESSING`. A token here is a keyset cursor
(the last row's sort key and id), so rows edited mid-walk are neither skipped nor repeated.
"""

from __future__ import annotations

import bisect
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from sandbox.zoho.errors import ZohoError
from sandbox.zoho.table import Table

DISCRETE_LIMIT = 2000
TOKEN_REACH = 100_000
TOKEN_LIFETIME_S = 86400


@dataclass(frozen=True)
class PageToken:
    """Server-side state behind one `next_page_token`."""

    value: str
    binding: tuple[object, ...]
    cursor: tuple[int, int]  # (sort key, id) of the last row already delivered
    delivered: int
    previous: str | None
    expires_at: int


class PageTokens:
    """Issued tokens by value."""

    def __init__(self) -> None:
        self._tokens: dict[str, PageToken] = {}
        self._lock = threading.Lock()

    def issue(
        self, binding: tuple[object, ...], cursor: tuple[int, int], delivered: int, previous: str | None, now: int
    ) -> PageToken:
        """A new token continuing after `cursor`."""
        token = PageToken(secrets.token_hex(24), binding, cursor, delivered, previous, now + TOKEN_LIFETIME_S)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def resolve(self, value: str, binding: tuple[object, ...], now: int) -> PageToken:
        """The state of a token sent back by a client, or the 400 Zoho sends."""
        with self._lock:
            token = self._tokens.get(value)
        if token is None or token.binding != binding:
            raise ZohoError(400, "TOKEN_BOUND_DATA_MISMATCH", {"param_name": "page_token"})
        if token.expires_at <= now:
            details = {"api_name": "page_token", "json_path": "$.page_token"}
            raise ZohoError(400, "EXPIRED_VALUE", details)
        if token.delivered >= TOKEN_REACH:
            raise ZohoError(400, "PAGINATION_LIMIT_EXCEEDED", {"param_name": "page_token"})
        return token


def check_discrete(page: int, per_page: int) -> None:
    """`page` must stay within the first 2,000 records."""
    if page * per_page > DISCRETE_LIMIT:
        raise ZohoError(400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", {"limit": DISCRETE_LIMIT})


def walk(
    table: Table, sort_by: str, descending: bool, since: int | None, after: tuple[int, int] | None
) -> Iterator[tuple[int, int]]:
    """`(sort key, id)` pairs in list order, modified at or after `since`, strictly past `after`."""
    index = table.index(sort_by)
    low, high = 0, len(index)
    if since is not None and sort_by == "Modified_Time":
        low = bisect.bisect_left(index, (since, 0))
    if after is not None:
        if descending:
            high = min(high, bisect.bisect_left(index, after))
        else:
            low = max(low, bisect.bisect_right(index, after))
    positions = range(high - 1, low - 1, -1) if descending else range(low, high)
    needs_filter = since is not None and sort_by != "Modified_Time"
    for position in positions:
        item = index[position]
        if needs_filter and (table.rows[item[1]].get("Modified_Time") or 0) < since:  # type: ignore[operator]
            continue
        yield item


def take(pairs: Iterator[tuple[int, int]], skip: int, count: int) -> tuple[list[tuple[int, int]], bool]:
    """`count` pairs after skipping `skip`, and whether more follow."""
    chosen: list[tuple[int, int]] = []
    for n, pair in enumerate(pairs):
        if n < skip:
            continue
        if len(chosen) == count:
            return chosen, True
        chosen.append(pair)
    return chosen, False


def any_modified_since(table: Table, since: int) -> bool:
    """Whether any row's `Modified_Time` is at or after `since` (If-Modified-Since is inclusive here)."""
    index = table.index("Modified_Time")
    return bool(index) and index[-1][0] >= since
