"""Helpers for the workflow tests: records straight into the store, an evaluator with a set clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from credit_core.models import Account, Invoice, Order, Payment
from sync.config import AppConfig
from sync.evaluation import Evaluator
from sync.reports import EvaluationReport
from sync.store import Store
from sync.store.codec import encode_record, to_stamp
from sync.store.records import RecordRow, upsert_records
from tests.sync.builders import source_table

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
Record = Account | Invoice | Order | Payment
_KINDS = {Account: "account", Invoice: "invoice", Order: "order", Payment: "payment"}


def put(store: Store, records: Iterable[Record]) -> None:
    """Store canonical records as sync would have."""
    with store.write() as conn:
        for record in records:
            kind = _KINDS[type(record)]
            link = record.parent_crm_id if isinstance(record, Account) else record.account_crm_id
            row = RecordRow(record.source, record.crm_id, link, to_stamp(NOW), False, None, 1, encode_record(record))
            upsert_records(conn, kind, [row])


def config(store_url: str, policy_file: str = "", **extra: Any) -> AppConfig:
    """A config with source `sf` over `store_url` and, optionally, a policy file."""
    return AppConfig.model_validate(
        {"store": {"url": store_url}, "policy": {"file": policy_file}, "sources": {"sf": source_table()}, **extra}
    )


def evaluate(cfg: AppConfig, store: Store, now: datetime = NOW, trigger: str = "sync") -> EvaluationReport:
    """One full evaluation at `now`."""
    return Evaluator(cfg, store, lambda: now, trigger).run()
