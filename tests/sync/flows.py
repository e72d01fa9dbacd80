"""Helpers for the workflow tests: records straight into the store, an evaluator with a set clock."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from credit_core.audit import decision_from_dict
from credit_core.models import Account, Decision, Invoice, Order, Payment
from credit_core.policy import default_policy_text
from sync.config import AppConfig
from sync.evaluation import Evaluator
from sync.reports import EvaluationReport
from sync.store import Store
from sync.store.codec import encode_record, to_stamp
from sync.store.decisions import load_current
from sync.store.records import RecordRow, upsert_records
from tests.sync.builders import source_table

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
Record = Account | Invoice | Order | Payment
_KINDS = {Account: "account", Invoice: "invoice", Order: "order", Payment: "payment"}


def put(store: Store, records: Iterable[Record], deleted: bool = False) -> None:
    """Store canonical records as sync would have (`deleted`: as tombstones, as after a CRM delete)."""
    with store.write() as conn:
        for record in records:
            kind = _KINDS[type(record)]
            link = record.parent_crm_id if isinstance(record, Account) else record.account_crm_id
            row = RecordRow(record.source, record.crm_id, link, to_stamp(NOW), deleted, None, 1, encode_record(record))
            upsert_records(conn, kind, [row])


def config(store_url: str, policy_file: str = "", **extra: Any) -> AppConfig:
    """A config with source `sf` over `store_url` and, optionally, a policy file."""
    return AppConfig.model_validate(
        {"store": {"url": store_url}, "policy": {"file": policy_file}, "sources": {"sf": source_table()}, **extra}
    )


def evaluate(cfg: AppConfig, store: Store, now: datetime = NOW, trigger: str = "sync") -> EvaluationReport:
    """One full evaluation at `now`."""
    return Evaluator(cfg, store, lambda: now, trigger).run()


def policy_file(folder: Path, changes: dict[str, Any]) -> str:
    """The default policy with dotted keys changed, written as TOML; returns its path."""
    raw = copy.deepcopy(tomllib.loads(default_policy_text()))
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        table = raw
        for part in parents:
            table = table[part]
        table[last] = value
    path = folder / f"policy-{len(list(folder.glob('policy-*.toml')))}.toml"
    path.write_text(tomlkit.dumps(raw), encoding="utf-8")
    return str(path)


def write_csv(path: Path, header: str, *rows: str) -> Path:
    """A CSV file from a header line and row lines."""
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def current(store: Store, crm_id: str, source: str = "sf") -> Decision:
    """The stored current decision of one account."""
    with store.read() as conn:
        payload = load_current(conn, [(source, crm_id)])[(source, crm_id)]
    return decision_from_dict(payload)
