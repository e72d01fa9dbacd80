"""What the HTTP layer works with: config, store, queue, the per-source connectors, and the intake.

The intake is the only place a verified notification turns into jobs: a delivery whose ids were all
seen before is answered and dropped (Salesforce delivers at least once), everything else is queued
through `sync.queue` — merged with any pending job for the same record.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from connectors.base import Connector, Notification, ObjectKind
from connectors.errors import NotificationRejected
from sync.config import AppConfig, SourceConfig
from sync.engine import SyncEngine, utc_now
from sync.queue import JobQueue
from sync.store import Store
from sync.store.receipts import accept_signature_once, remember_deliveries, seen_deliveries
from webhooks.orgs import OrgIds
from webhooks.signature import MAX_SKEW_S

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intake:
    """What one accepted notification did."""

    changes: int  # records it names
    queued: int  # fetches newly queued (the rest merged into pending ones)
    duplicate: bool = False  # every delivery id was seen before: nothing queued


class Service:
    """The state `serve`'s routes share (one per process)."""

    def __init__(
        self, config: AppConfig, store: Store, jobs: JobQueue, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self.store = store
        self.jobs = jobs
        self.clock = clock
        self._engine = SyncEngine(config, store, clock=clock)
        self._lock = threading.Lock()
        salesforce = [name for name, s in config.sources.items() if s.kind == "salesforce"]
        self.org_ids = OrgIds(salesforce, self.connector)

    @property
    def max_body_bytes(self) -> int:
        """`[webhooks] max_body_kb` in bytes."""
        return self.config.webhooks.max_body_kb * 1024

    def source(self, name: str, kind: str | None = None) -> SourceConfig | None:
        """A configured source (of this kind), or None."""
        settings = self.config.sources.get(name)
        return settings if settings is not None and (kind is None or settings.kind == kind) else None

    def connector(self, source: str) -> Connector:
        """The source's connector, built once (with the store's usage ledger, token and channel stores)."""
        with self._lock:
            return self._engine.connector(source)

    def parse(self, source: str, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify and parse a CRM's own notification format through its connector."""
        return self.connector(source).parse_notification(body, headers)

    def receive(self, source: str, body: bytes, headers: Mapping[str, str]) -> tuple[Notification, Intake]:
        """Verify a CRM's notification through its connector, then queue what it names."""
        notification = self.parse(source, body, headers)
        return notification, self.accept(source, notification)

    def accept_signed(self, source: str, digest: str, notification: Notification) -> Intake:
        """Spend a generic webhook's signature (refused if already used), then queue what it names."""
        self.spend_signature(source, digest)
        return self.accept(source, notification)

    def accept(self, source: str, notification: Notification) -> Intake:
        """Queue what a verified notification names, unless it is a delivery seen before."""
        ids = notification.delivery_ids
        if ids:
            with self.store.read() as conn:
                if seen_deliveries(conn, source, ids) >= set(ids):
                    return Intake(len(notification.changes), 0, duplicate=True)
        by_kind: dict[ObjectKind, list[str]] = {}
        for change in notification.changes:
            by_kind.setdefault(change.kind, []).append(change.crm_id)
        queued = sum(self.jobs.submit_changes(source, kind, crm_ids) for kind, crm_ids in by_kind.items())
        if ids:
            # Remembered after queueing: a crash in between means a resend is queued again, never lost.
            with self.store.write() as conn:
                remember_deliveries(conn, source, ids, self.clock())
        return Intake(len(notification.changes), queued)

    def spend_signature(self, source: str, digest: str) -> None:
        """Accept a generic webhook's signature once across every `serve` process, else refuse (401)."""
        # A signature is valid within MAX_SKEW_S either side of its timestamp: once spent, it must stay
        # spent for at most twice that.
        first = self.jobs.spend_once(f"signature.{digest}", 2 * MAX_SKEW_S + 60)  # any source: as in the store
        if first is None:
            with self.store.write() as conn:
                first = accept_signature_once(conn, source, digest, self.clock())
        if not first:
            raise NotificationRejected("signature already used")

    def health(self) -> dict[str, Any]:
        """Store and queue reachability."""
        try:
            with self.store.read() as conn:
                conn.execute(sa.select(1))
            store = "ok"
        except sa.exc.SQLAlchemyError:
            log.warning("the store is not reachable", exc_info=True)
            store = "unreachable"
        queue = "ok" if self.jobs.ping() else "unreachable"
        return {"status": "ok" if store == queue == "ok" else "unavailable", "store": store, "queue": queue}

    def close(self) -> None:
        """Stop learning org ids and close the connectors."""
        self.org_ids.stop()
        with self._lock:
            self._engine.close()
