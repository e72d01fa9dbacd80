"""Imported financial statements and insurance covers, and the rows an import refused."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.models import Financials
from credit_core.supplements import FIGURES, InsuranceCover
from sync.store.among import among
from sync.store.codec import to_stamp
from sync.store.records import chunks, upsert_many
from sync.store.schema import financial_statements, import_rejects, insurance_covers

Key = tuple[str, str]


def save_statements(conn: Connection, rows: Sequence[tuple[Key, Financials, str]], now: datetime) -> None:
    """Upsert statements keyed by (source, crm_id, as_of); `origin` names file and line."""
    values = [
        {"source": key[0], "crm_id": key[1], "as_of": statement.as_of.isoformat() if statement.as_of else "",
         "figures": json.dumps({n: str(getattr(statement, n)) for n in FIGURES if getattr(statement, n) is not None}),
         "imported_at": to_stamp(now), "origin": origin}
        for key, statement, origin in rows
    ]  # fmt: skip
    upsert_many(conn, financial_statements, ["source", "crm_id", "as_of"], values, ["figures", "imported_at", "origin"])


def save_covers(conn: Connection, rows: Sequence[tuple[Key, InsuranceCover, str]], now: datetime) -> None:
    """Upsert covers keyed by (source, crm_id, valid_from)."""
    values = [
        {"source": key[0], "crm_id": key[1], "valid_from": _day(cover.valid_from) or "", "amount": str(cover.amount),
         "currency": cover.currency, "expires_on": _day(cover.expires_on), "insurer": cover.insurer,
         "policy_ref": cover.policy_ref, "imported_at": to_stamp(now), "origin": origin}
        for key, cover, origin in rows
    ]  # fmt: skip
    columns = ["amount", "currency", "expires_on", "insurer", "policy_ref", "imported_at", "origin"]
    upsert_many(conn, insurance_covers, ["source", "crm_id", "valid_from"], values, columns)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def _of_accounts(table: sa.Table) -> sa.Select[Any]:
    # Built once per table: every chunk of every recalculation runs it.
    return sa.select(table).where(table.c.source == sa.bindparam("source"), among(table.c.crm_id, "ids"))


def _by_keys(conn: Connection, table: sa.Table, keys: Iterable[Key]) -> dict[Key, list[Any]]:
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, crm_id in keys:
        by_source[source].append(crm_id)
    found: dict[Key, list[Any]] = defaultdict(list)
    for source, ids in by_source.items():
        for chunk in chunks(ids, 500):
            for row in conn.execute(_of_accounts(table), {"source": source, "ids": list(chunk)}):
                found[(source, row.crm_id)].append(row)
    return found


def load_statements(conn: Connection, keys: Iterable[Key]) -> dict[Key, list[Financials]]:
    """Every imported statement of these accounts."""
    rows = _by_keys(conn, financial_statements, keys)
    return {
        key: [
            Financials(**{n: Decimal(v) for n, v in json.loads(r.figures).items()}, as_of=_date(r.as_of)) for r in found
        ]
        for key, found in rows.items()
    }


def _cover(r: Any) -> InsuranceCover:
    return InsuranceCover(
        amount=Decimal(r.amount),
        currency=r.currency,
        valid_from=_date(r.valid_from),
        expires_on=_date(r.expires_on),
        insurer=r.insurer,
        policy_ref=r.policy_ref,
    )


def load_covers(conn: Connection, keys: Iterable[Key]) -> dict[Key, list[InsuranceCover]]:
    """Every imported insurance cover of these accounts, oldest start first."""
    rows = _by_keys(conn, insurance_covers, keys)
    return {key: [_cover(r) for r in sorted(found, key=lambda r: r.valid_from)] for key, found in rows.items()}


def save_rejects(conn: Connection, kind: str, file: str, rejects: Sequence[dict[str, Any]], now: datetime) -> None:
    """Rows an import refused: line, column, value and reason, with the row as read."""
    if rejects:
        stamp = to_stamp(now)
        conn.execute(sa.insert(import_rejects), [{"kind": kind, "file": file, "at": stamp, **r} for r in rejects])


def count_rejects(conn: Connection) -> int:
    """Refused import rows on file."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(import_rejects)).scalar_one())
