"""COQL queries built only from validated pieces: API names by pattern, ids as digit strings, stamps formatted.

Nothing a CRM user or a notification can type reaches a query as text: a field or module name must
match Zoho's API-name pattern (and come from the fields metadata), an id must be a digit string, a
datetime is formatted here. COQL's own limits [zoho.md §2.4]: ≤ 50 columns, `in` ≤ 50 values, more
than two criteria bracketed, LIMIT ≤ 2,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connectors.zoho.values import format_datetime, require_api_name, require_id

MAX_COLUMNS = 50
MAX_IN = 50


def _columns(fields: Sequence[str]) -> str:
    names = [require_api_name(f, "field") for f in dict.fromkeys(fields) if f != "id"]
    if len(names) > MAX_COLUMNS:
        raise ValueError(f"COQL selects at most {MAX_COLUMNS} fields ({len(names)} asked)")
    return ", ".join(names)


def same_second_query(module: str, fields: Sequence[str], second: datetime, after_id: str, limit: int) -> str:
    """Rows of `module` stamped exactly `second`, with ids above `after_id`, by id."""
    where = f"Modified_Time = '{format_datetime(second)}' and id > {_after(after_id)}"
    return _select(fields, module, where, limit)


def by_lookup_query(
    module: str, fields: Sequence[str], lookup: str, parent_ids: Sequence[str], after_id: str, limit: int
) -> str:
    """Rows of `module` whose `lookup` is one of `parent_ids` (≤ 50), with ids above `after_id`, by id."""
    if not parent_ids or len(parent_ids) > MAX_IN:
        raise ValueError(f"COQL `in` takes 1 to {MAX_IN} values ({len(parent_ids)} given)")
    values = ", ".join(require_id(i) for i in parent_ids)
    where = f"{require_api_name(lookup, 'field')} in ({values}) and id > {_after(after_id)}"
    return _select(fields, module, where, limit)


def _select(fields: Sequence[str], module: str, where: str, limit: int) -> str:
    # Joined, not formatted into one template, so each piece's validation stays visible above.
    parts = ["select", _columns(fields), "from", require_api_name(module, "module"), "where", where]
    return " ".join([*parts, "order by id asc limit", str(int(limit))])


def _after(after_id: str) -> str:
    return "0" if after_id == "0" else require_id(after_id)
