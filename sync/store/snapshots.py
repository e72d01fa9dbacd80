"""Input snapshots: everything one evaluation read, stored by digest with its audit row.

Records are kept in the store's own payload form (`codec.encode_record`: generated code, a few
microseconds a record) so that a first evaluation of 100k accounts pays little for it; the digest
is the sha256 of the snapshot itself, records sorted by id, so the same inputs give the same digest.
`decode` rebuilds the exact records: `evaluate_account(**decode(...), policy=<logged version>,
as_of=<evaluated_at>, previous=<the row's before>)` gives the logged decision again.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from credit_core.models import Account, Invoice, Order, Payment
from sync.store.codec import decode_record, encode_record

_KINDS = (("invoices", "invoice"), ("orders", "order"), ("payments", "payment"))


def _records(
    kind: str, records: Iterable[Invoice | Order | Payment], stored: Mapping[tuple[str, str], str]
) -> list[list[str]]:
    # A payload as read from the store is what encode_record gives for the record decoded from it.
    return sorted([r.crm_id, stored.get((kind, r.crm_id)) or encode_record(r)] for r in records)


def encode(
    account: Account,
    invoices: Iterable[Invoice],
    orders: Iterable[Order],
    payments: Iterable[Payment],
    group_exposure: Decimal | None,
    fx_rates: Mapping[str, Decimal],
    stored: Mapping[tuple[str, str], str] | None = None,
) -> tuple[str, bytes]:
    """(digest, compressed snapshot) of one evaluation's inputs; `stored`: payloads as read, by (kind, crm_id)."""
    known = stored or {}
    document = {
        "source": account.source,
        "account": [account.crm_id, encode_record(account)],
        "invoices": _records("invoice", invoices, known),
        "orders": _records("order", orders, known),
        "payments": _records("payment", payments, known),
        "group_exposure": None if group_exposure is None else str(group_exposure),
        "fx_rates": {code: str(rate) for code, rate in sorted(fx_rates.items())},
    }
    text = json.dumps(document, separators=(",", ":")).encode()
    return hashlib.sha256(text).hexdigest(), zlib.compress(text, 1)


def decode(blob: bytes) -> dict[str, Any]:
    """Keyword arguments for `credit_core.evaluate_account` (add policy, as_of and previous)."""
    document = json.loads(zlib.decompress(blob))
    source = document["source"]
    crm_id, payload = document["account"]
    account = decode_record("account", source, crm_id, payload)
    arguments: dict[str, Any] = {"account": account}
    for name, kind in _KINDS:
        arguments[name] = [decode_record(kind, source, rid, body) for rid, body in document[name]]
    group = document["group_exposure"]
    arguments["group_exposure"] = None if group is None else Decimal(group)
    arguments["fx_rates"] = {code: Decimal(rate) for code, rate in document["fx_rates"].items()}
    return arguments
