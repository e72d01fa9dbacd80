"""The queue's worker: fetch changed records by id, re-evaluate their account groups, push write-backs.

A fetch stores the records (an account new to the store comes with its invoices, orders and
payments) and then recalculates, itself, only the accounts whose data really changed — the echo of
our own write-back changes nothing, so it triggers nothing (sync.md items 19–21). A recalculation takes
the lease of each account's group (a group is what one evaluation touches: the account and its
parent hierarchy) so no two workers decide or push one group at once; groups another worker holds
are deferred, never waited for, so two workers can never wait on each other.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from connectors.base import ObjectKind
from connectors.errors import ConfigError, CrmCreditError, TransientError
from sync import cooldown
from sync.config import AppConfig
from sync.digest import send_digest
from sync.engine import SyncEngine, utc_now
from sync.queue import DEFER_S, RETRY_DELAY_S, JobQueue
from sync.store import Store
from sync.store import leases as lease
from sync.store.groups import groups_of
from sync.store.receipts import purge_receipts

log = logging.getLogger(__name__)

GROUP_LEASE = timedelta(minutes=5)  # longer than any one group's evaluation and push
RECEIPTS_KEPT = timedelta(hours=48)  # Salesforce resends an Outbound Message for up to 24 h
RUNNING_LEASE = timedelta(hours=2)


def lease_owner() -> str:
    """A name unique to this job run (host, process, thread, nonce)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


def _group_lease(source: str, root: tuple[str, str]) -> str:
    return f"group:{source}:{root[1]}"


def notify_url(public_url: str, source: str) -> str:
    """Where a Zoho channel of `source` delivers (DESIGN §5)."""
    return f"{public_url.rstrip('/')}/webhooks/zoho/{source}"


class Worker:
    """The `JobHandlers` of one process; each thread gets its own `SyncEngine` (and connectors)."""

    def __init__(
        self,
        config: AppConfig,
        store: Store,
        jobs: JobQueue,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.jobs = jobs
        self.clock = clock
        self.sleep = sleep
        self._local = threading.local()
        self._engines: list[SyncEngine] = []
        self._lock = threading.Lock()

    def attach(self) -> Worker:
        """Become the handler of the queue's jobs in this process."""
        self.jobs.handlers = self
        return self

    def engine(self) -> SyncEngine:
        """This thread's engine (connectors are not shared between threads)."""
        engine: SyncEngine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = SyncEngine(self.config, self.store, clock=self.clock, sleep=self.sleep)
            self._local.engine = engine
            with self._lock:
                self._engines.append(engine)
        return engine

    # ---- jobs ----------------------------------------------------------------------------------

    def fetch(self, source: str, kind: ObjectKind, crm_ids: Sequence[str]) -> None:
        """Fetch and store these records, then recalculate the accounts that changed.

        The recalculation runs here and now rather than as a queued job: the changes are stored, and a
        second trip through the queue would only add a worker cycle to every notification's latency.
        Its markers are set first, so changes arriving meanwhile merge into it as into a queued job.
        """
        self.jobs.release_fetches(source, kind, crm_ids)
        try:
            changed = self.engine().fetch_changes(source, kind, crm_ids)
        except TransientError:
            raise  # huey retries the job; the periodic sync covers what retries cannot
        except CrmCreditError as exc:
            log.error("%s: fetching %d %s record(s) failed: %s", source, len(crm_ids), kind, exc)
            return
        fresh = self.jobs.claim_recalculations(source, sorted(changed))
        if not fresh:
            return
        try:
            self._recalculate_pending(source, fresh)
        except TransientError as exc:
            # The records are stored; only the recalculation is retried, as a queued job would have been.
            log.warning("%s: recalculating %d account(s) failed, retrying in %d s: %s", source, len(fresh),
                        RETRY_DELAY_S, exc)  # fmt: skip
            self.jobs.defer_recalculations(source, fresh, RETRY_DELAY_S)

    def recalculate(self, source: str, crm_ids: Sequence[str]) -> None:
        """Re-evaluate these accounts with their groups and push, holding each group's lease."""
        # An account no longer pending was decided by an evaluation of its group begun after its change.
        pending = self.jobs.pending_recalculations(source, crm_ids)
        self._recalculate_pending(source, [crm_id for crm_id in dict.fromkeys(crm_ids) if crm_id in pending])

    def _recalculate_pending(self, source: str, crm_ids: Sequence[str]) -> None:
        keys = [(source, crm_id) for crm_id in crm_ids]
        if not keys:
            return
        owner = lease_owner()
        now = self.clock()
        with self.store.write() as conn:  # one transaction: a recalculation is mostly such fixed costs
            root_of = groups_of(conn, keys)
            group = {crm_id: _group_lease(source, root_of[(source, crm_id)]) for _, crm_id in keys}
            last_rests = lease.last_rests(conn, set(group.values()))
            held = lease.try_acquire_many(conn, set(group.values()), owner, now, GROUP_LEASE)
        steps = {name: cooldown.next_step(last_rests.get(name), now) for name in held}
        self._defer(source, {crm_id: name for crm_id, name in group.items() if name not in held})
        ready = [crm_id for crm_id, name in group.items() if name in held]
        if not ready:
            return
        started = self.jobs.clock()  # the clock the markers were stamped with: no skew between hosts
        try:
            # Cleared only now that the lease is ours: a change stored from here on queues one more run.
            self.jobs.release_recalculations(source, ready)
            self.engine().recalculate(source, ready, trigger="webhook", groups=root_of)
        except TransientError:
            self.jobs.restore_recalculations(source, ready)  # huey retries this job: keep its accounts pending
            raise
        else:
            # The other members of these groups were decided too: recalculations asked for before this
            # evaluation began (their changes were stored before they were asked for) have nothing left to do.
            decided = {crm_id for (of, crm_id), root in root_of.items() if _group_lease(of, root) in held}
            self.jobs.release_covered(source, decided - set(ready), started)
        finally:
            # The rest counts from when the decision began, as a rate would: the changes stored while it ran
            # wait only for what is left of the rest, not for a whole rest after a slow push.
            with self.store.write() as conn:
                lease.cool_down(conn, {name: (step, now + cooldown.rest(step)) for name, step in steps.items()}, owner)

    def _defer(self, source: str, busy: dict[str, str]) -> None:
        """Retry recalculations whose group is taken: when its rest ends, or when a running decision's would."""
        if not busy:
            return
        now = self.clock()
        with self.store.read() as conn:
            holders = lease.held_until(conn, set(busy.values()), now)
        by_delay: dict[float, list[str]] = {}
        for crm_id, name in busy.items():
            owner, until = holders.get(name, ("", now))
            if lease.is_cooling(owner):
                delay = max((until - now).total_seconds(), 0.0)
            else:
                # Held by a worker deciding it since `until - GROUP_LEASE`: no one takes it before the first
                # rest after that start has passed, and a decision shorter than that rest is over by then.
                ready = (until - GROUP_LEASE + cooldown.rest(0) - now).total_seconds()
                delay = ready if ready > 0 else DEFER_S
            by_delay.setdefault(round(delay, 2), []).append(crm_id)
        for delay, crm_ids in by_delay.items():
            self.jobs.defer_recalculations(source, crm_ids, delay)

    def _take_leases(self, names: set[str], owner: str, ttl: timedelta) -> set[str]:
        now = self.clock()
        with self.store.write() as conn:
            return lease.try_acquire_many(conn, names, owner, now, ttl)

    # ---- schedules -----------------------------------------------------------------------------

    def _once_per_period(self, task: str, period: timedelta) -> str | None:
        """The running lease of a periodic task, or None when this period's run is taken or running.

        Every worker process's scheduler enqueues the periodic tasks; the first to run one wins.
        """
        owner = lease_owner()
        taken = self._take_leases({f"periodic:{task}:slot"}, owner, period * 0.8)
        if not taken or not self._take_leases({f"periodic:{task}:running"}, owner, RUNNING_LEASE):
            return None
        return owner

    def _finish_periodic(self, task: str, owner: str) -> None:
        with self.store.write() as conn:
            lease.release(conn, [f"periodic:{task}:running"], owner)

    def periodic_sync(self) -> None:
        """The incremental sync every `[queue] sync_interval_s`: the safety net under webhooks."""
        owner = self._once_per_period("sync", timedelta(seconds=self.config.queue.sync_interval_s))
        if owner is None:
            return
        try:
            report = self.engine().sync()
            log.info("periodic sync: %s", {name: r.outcome for name, r in report.sources.items()})
        except ConfigError as exc:
            log.error("periodic sync stopped: %s", exc)
        finally:
            self._finish_periodic("sync", owner)

    def daily_evaluation(self) -> None:
        """Re-evaluate every account (date-driven flags and review dates), push, forget old receipts."""
        owner = self._once_per_period("daily", timedelta(days=1))
        if owner is None:
            return
        try:
            engine = self.engine()
            engine.evaluate(trigger="daily")
            engine.push()
            with self.store.write() as conn:
                purge_receipts(conn, self.clock() - RECEIPTS_KEPT)
                lease.purge_expired(conn, self.clock())
        except ConfigError as exc:
            log.error("daily evaluation stopped: %s", exc)
        finally:
            self._finish_periodic("daily", owner)

    def renew_channels(self) -> None:
        """Renew every Zoho source's notification channels (or open one when none is active)."""
        owner = self._once_per_period("renew", timedelta(hours=12))
        if owner is None:
            return
        try:
            self.renew_now()
        finally:
            self._finish_periodic("renew", owner)

    def renew_now(self) -> None:
        """Renew channels of every source whose connector has them (Zoho), without the period guard."""
        public_url = self.config.webhooks.public_url
        for source in self.config.sources:
            connector = self.engine().connector(source)
            renew = getattr(connector, "renew_notifications", None)
            if renew is None:
                continue
            if not public_url:
                log.warning("%s: [webhooks] public_url is not set, so no Zoho channel can be opened", source)
                continue
            try:
                renew(notify_url(public_url, source))
            except CrmCreditError as exc:
                log.error("%s: renewing notification channels failed: %s", source, exc)

    def send_digest(self) -> None:
        """E-mail the `[alerts]` digest of the period that just ended, unless it went out already."""
        alerts = self.config.alerts
        if alerts.digest == "off" or not alerts.smtp_url.get_secret_value() or not alerts.to:
            return
        try:
            digest = send_digest(self.config, self.store, alerts.digest, self.clock)
        except CrmCreditError as exc:
            log.error("credit digest not sent (the next hour tries again): %s", exc)
            return
        if digest is not None:
            log.info("credit digest %s sent to %d recipient(s)", digest.window.key, len(alerts.to))

    def close(self) -> None:
        """Close every thread's engine."""
        with self._lock:
            for engine in self._engines:
                engine.close()
            self._engines.clear()
