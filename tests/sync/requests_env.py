"""A config with makers, checkers and approver ceilings over one stored customer (limit 300,000 USD)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sync.audit_log import iter_audit
from sync.config import AppConfig
from sync.request_desk import RequestDesk
from sync.store import Store
from sync.store import outbox as box
from tests.credit_core.builders import paid_history, solid_account
from tests.sync.builders import WRITEBACK, source_table
from tests.sync.flows import NOW, put

MAKER, CHECKER, BOSS = "maker@example.com", "checker@example.com", "boss@example.com"
STATUS_FIELD = "Credit_Request_Status__c"


def request_config(store_url: str = "sqlite://", **source: Any) -> AppConfig:
    """Users, two approver roles (400,000 and 1,000,000) and `request_status` mapped for write-back."""
    writeback = {"object": "Account", "fields": {**WRITEBACK, "request_status": STATUS_FIELD}}
    source.setdefault("writeback", writeback)
    return AppConfig.model_validate({
        "store": {"url": store_url},
        "users": {MAKER: "t-maker", CHECKER: "t-checker", BOSS: "t-boss"},
        "approvers": {"credit_manager": {"users": [CHECKER, MAKER], "ceiling": "400000"},
                      "director": {"users": [BOSS], "ceiling": "1000000"}},
        "sources": {"sf": source_table(**source)},
    })  # fmt: skip


def stock(store: Store, **account: Any) -> None:
    """Customer A1: solid, a year of prompt payments; the policy grants it 300,000 USD."""
    put(store, [solid_account("A1", **account), *paid_history(8, prefix="a", account_id="A1")])


def desk(cfg: AppConfig, store: Store, user: str, now: datetime = NOW) -> RequestDesk:
    """The request desk acting as `user` at `now`."""
    return RequestDesk(cfg, store, lambda: now, user, "cli")


def events(store: Store) -> list[tuple[str, str | None]]:
    """(event, actor) of every audit row but decisions, in order."""
    with store.read() as conn:
        return [(r["event"], r["actor"]) for r in iter_audit(conn) if r["event"] != "decision"]


def audit_rows(store: Store, event: str) -> list[dict[str, Any]]:
    """The audit rows of one event."""
    with store.read() as conn:
        return [r for r in iter_audit(conn) if r["event"] == event]


def pending_status(store: Store, crm_id: str = "A1") -> Any:
    """The request status the newest pending write-back carries for an account."""
    with store.read() as conn:
        rows = box.rows_for_accounts(conn, "sf", [crm_id], ["pending"]).get(crm_id, [])
    return rows[-1].values.get(STATUS_FIELD) if rows else None
