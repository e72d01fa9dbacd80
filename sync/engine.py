"""The sync engine: pull every source's objects, evaluate all accounts, push changed write-backs.

`SyncEngine` is also what the webhook worker drives: `fetch_changes` (store records by id and say
which accounts really changed — our own write's echo does not count) and `recalculate` (evaluate
those accounts and their parent groups, then push). Every phase is resumable: pulls checkpoint,
evaluation and outbox planning commit together per chunk, pushes reconcile writes in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.base import OBJECT_KINDS, Connector, ConnectorContext, ObjectKind, SourceSettings
from connectors.errors import ConfigError, CrmCreditError, QuotaExhausted, classify
from connectors.mapping import RecordMapper
from connectors.registry import make_connector
from sync.config import AppConfig
from sync.outbox import Pusher, PushReport
from sync.pull import ObjectReport, Progress, SourcePull, _ObjectPull, count_waiting, store_fetched
from sync.reports import EvaluationReport
from sync.store import Store, state
from sync.store.bundles import Key
from sync.store.channels import StoreChannelStore
from sync.store.groups import groups_of
from sync.store.records import existing_ids
from sync.store.usage import StoreTokenCache, StoreUsageLedger
from sync.tasks import TaskReport, send_tasks

_BULK_ROWS = 1000  # a sync that stored this many rows refreshes the store's statistics


def utc_now() -> datetime:
    """The real clock, aware UTC."""
    return datetime.now(UTC)


@dataclass
class SourceReport:
    """One source's part of a run."""

    source: str
    kind: str
    run_id: int
    objects: list[ObjectReport] = field(default_factory=list)
    mapping_problems: list[str] = field(default_factory=list)
    outcome: str = "ok"  # ok | problems | budget_stop | failed
    message: str | None = None
    error: dict[str, str] | None = None  # the class, action and fault of the error that stopped it
    push: PushReport | None = None
    tasks: TaskReport | None = None  # owner tasks sent to the CRM
    api: dict[str, Any] | None = None  # the connector's last known API usage and retries by cause

    def failed(self, outcome: str, exc: CrmCreditError) -> None:
        """Record the error that ended (part of) this run, classified."""
        self.outcome, self.message, self.error = outcome, str(exc), classify(exc)

    def details(self) -> dict[str, Any]:
        """Counts for the run log."""
        return {
            "objects": {o.kind: {k: v for k, v in vars(o).items() if k != "changed_accounts"} for o in self.objects},
            "mapping_problems": self.mapping_problems,
            "message": self.message,
            "error": self.error,
            "push": vars(self.push) if self.push else None,
            "tasks": vars(self.tasks) if self.tasks else None,
            "api": self.api,
        }


@dataclass
class SyncReport:
    """A whole `sync`: per source, plus the evaluation."""

    sources: dict[str, SourceReport] = field(default_factory=dict)
    evaluation: EvaluationReport | None = None

    @property
    def problems(self) -> bool:
        """Exit 1: this run quarantined records, hit the budget, failed a source or had writes refused."""
        if self.evaluation is not None and self.evaluation.errors:
            return True
        return any(r.outcome != "ok" for r in self.sources.values())


class SyncEngine:
    """Pull, evaluate and push for the sources of one config, on one store."""

    def __init__(
        self,
        config: AppConfig,
        store: Store,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.progress = progress
        self._connectors: dict[str, Connector] = {}
        self._mappers: dict[str, dict[str, RecordMapper]] = {}  # compiled once per source (webhook fetches)

    def connector(self, source: str) -> Connector:
        """The (cached) connector of one source, with the store's usage ledger and token cache."""
        if source not in self._connectors:
            settings = self.config.source(source)
            context = ConnectorContext(
                source,
                usage=StoreUsageLedger(self.store.engine),
                tokens=StoreTokenCache(self.store.engine),
                channels=StoreChannelStore(self.store.engine),
                clock=self.clock,
                sleep=self.sleep,
            )
            self._connectors[source] = make_connector(source, settings, context)
        return self._connectors[source]

    def selected(self, sources: Sequence[str] | None) -> list[str]:
        """The named sources (checked against the config), or all of them."""
        if not sources:
            return list(self.config.sources)
        for name in sources:
            self.config.source(name)
        return list(dict.fromkeys(sources))

    # ---- the three phases ----------------------------------------------------------------------

    def sync(self, sources: Sequence[str] | None = None, full: bool = False) -> SyncReport:
        """`crm-credit sync`: pull (changes or everything), evaluate every account, push what changed."""
        report = SyncReport()
        for source in self.selected(sources):
            report.sources[source] = self.pull_source(source, full)
        report.evaluation = self.evaluate(trigger="sync")
        for source_report in report.sources.values():
            if source_report.outcome in ("ok", "problems"):
                self._push_into(source_report)
            self._finish(source_report)
        stored = sum(o.stored for r in report.sources.values() for o in r.objects) + report.evaluation.changed
        if stored >= _BULK_ROWS:
            self.store.refresh_statistics()
        return report

    def pull_source(self, source: str, full: bool = False) -> SourceReport:
        """Pull every mapped object of one source; the run stays open until `_finish`."""
        settings = self.config.source(source)
        run_start = self.clock()
        with self.store.write() as conn:
            run_id = state.start_run(conn, "sync", source, run_start)
            waiting = count_waiting(conn, source)
        report = SourceReport(source, settings.kind, run_id)
        try:
            connector = self.connector(source)
            report.mapping_problems = connector.check_mapping()
            self._remember_writeback_fields(source, connector, settings)
            pull = SourcePull(
                self.store, connector, source, settings, run_id, run_start, self.clock, self.progress, waiting=waiting
            )
            for kind in OBJECT_KINDS:
                if settings.mapping(kind) is not None:
                    report.objects.append(_ObjectPull(pull, kind, full).run())
        except QuotaExhausted as exc:
            report.failed("budget_stop", exc)
        except ConfigError as exc:
            report.failed("failed", exc)
            self._finish(report)
            raise
        except CrmCreditError as exc:
            report.failed("failed", exc)
        if report.outcome == "ok" and (report.mapping_problems or any(o.quarantined for o in report.objects)):
            report.outcome = "problems"
        return report

    def evaluate(
        self,
        trigger: str = "sync",
        accounts: Iterable[tuple[str, str]] | None = None,
        actor: str | None = None,
        groups: Mapping[Key, Key] | None = None,
    ) -> EvaluationReport:
        """Re-evaluate accounts from the store (all, or these keys and their groups, which `groups` may give)
        and plan write-backs."""
        from sync import evaluation

        now = self.clock()
        keys = list(dict.fromkeys(accounts)) if accounts is not None else None
        run_id = None
        if keys is None:  # a whole-book evaluation shows as running while it runs
            with self.store.write() as conn:
                run_id = state.start_run(conn, "evaluate", None, now)
        report = evaluation.Evaluator(self.config, self.store, self.clock, trigger, actor).run(keys, groups)
        details: dict[str, Any] = {**vars(report), "trigger": trigger}
        outcome = "problems" if report.errors else "ok"
        with self.store.write() as conn:
            if run_id is None:
                # A recalculation of a few accounts takes milliseconds, and the worker runs one per notification:
                # it is logged once, as it ends, with which accounts it was (the webhook counts read them).
                details["accounts"] = [list(key) for key in keys or ()]
                state.log_run(conn, "evaluate", None, now, outcome, details, self.clock())
            else:
                state.finish_run(conn, run_id, outcome, details, self.clock())
        return report

    def push(
        self, sources: Sequence[str] | None = None, accounts: Collection[str] | None = None
    ) -> dict[str, SourceReport]:
        """`crm-credit push`: send pending write-backs of the named (or all) sources (or only these accounts')."""
        reports: dict[str, SourceReport] = {}
        for source in self.selected(sources):
            settings = self.config.source(source)
            started = self.clock()
            if accounts is None:
                with self.store.write() as conn:
                    run_id = state.start_run(conn, "push", source, started)
                report = SourceReport(source, settings.kind, run_id)
                self._push_into(report, accounts)
                self._finish(report)
            else:  # a few accounts' push (the worker's, one per recalculation) is logged as it ends
                report = SourceReport(source, settings.kind, 0)
                self._push_into(report, accounts)
                self._finish(report, started)
            reports[source] = report
        return reports

    def _push_into(self, report: SourceReport, accounts: Collection[str] | None = None) -> None:
        self._push_writes(report, accounts)
        if report.outcome in ("ok", "problems") and self.config.alerts.tasks:
            try:
                report.tasks = send_tasks(self.store, self.connector(report.source), report.source, self.clock)
            except QuotaExhausted as exc:
                report.outcome, report.message = "budget_stop", str(exc)
            except CrmCreditError as exc:
                report.outcome, report.message = "failed", str(exc)

    def _push_writes(self, report: SourceReport, accounts: Collection[str] | None) -> None:
        settings = self.config.source(report.source)
        if settings.writeback is None or not settings.writeback.fields:
            return
        try:
            push = Pusher(self.store, self.connector(report.source), report.source, self.clock, accounts).run()
        except CrmCreditError as exc:
            report.failed("failed", exc)
            return
        report.push = push
        if push.budget_stop:
            report.outcome, report.message = "budget_stop", push.stopped
        elif push.problems and report.outcome == "ok":
            report.outcome, report.message = "problems", push.stopped or report.message
        report.error = report.error or push.error

    def _finish(self, report: SourceReport, started: datetime | None = None) -> None:
        """Log how the report's run ended; with `started`, log the whole run now (it was not logged as begun)."""
        connector = self._connectors.get(report.source)
        if connector is not None:
            try:
                usage = connector.api_usage()
                report.api = {"used": usage.used, "limit": usage.limit, "calls": usage.calls, "retries": usage.retries}
            except CrmCreditError:
                report.api = None
        with self.store.write() as conn:
            if started is None:
                state.finish_run(conn, report.run_id, report.outcome, report.details(), self.clock())
            else:
                report.run_id = state.log_run(
                    conn, "push", report.source, started, report.outcome, report.details(), self.clock()
                )

    def _remember_writeback_fields(self, source: str, connector: Connector, settings: SourceSettings) -> None:
        wb = settings.writeback
        if wb is None or not wb.fields:
            return
        wanted = set(wb.fields.values())
        described = {f.name: (f.type, f.length) for f in connector.describe(wb.object) if f.name in wanted}
        with self.store.write() as conn:
            state.save_field_lengths(conn, source, wb.object, described, self.clock())

    # ---- what the webhook worker drives ----------------------------------------------------------

    def fetch_changes(self, source: str, kind: ObjectKind, crm_ids: Sequence[str]) -> set[str]:
        """Fetch records by id and store them; return the accounts whose data really changed.

        An account new to the store is fetched with its invoices, orders and payments; a record
        whose account is missing brings that account in. Our own write's echo changes nothing.
        """
        settings = self.config.source(source)
        connector = self.connector(source)
        with self.store.write() as conn:
            run_id = state.start_run(conn, "worker", source, self.clock())
        mappers = self._mappers.setdefault(source, {})
        pull = SourcePull(self.store, connector, source, settings, run_id, self.clock(), self.clock, None, mappers)
        report = SourceReport(source, settings.kind, run_id)
        try:
            self._fetch_into(pull, kind, list(crm_ids), report)
        except CrmCreditError as exc:
            report.failed("failed", exc)
            self._finish(report)
            raise
        self._finish(report)
        return set().union(*(o.changed_accounts for o in report.objects))

    def _fetch_into(self, pull: SourcePull, kind: ObjectKind, crm_ids: list[str], report: SourceReport) -> None:
        connector, settings = pull.connector, pull.settings
        if kind == "account":
            with self.store.read() as conn:
                known = existing_ids(conn, "account", pull.source, crm_ids)
            pull.known_accounts.update(known)
            report.objects.append(store_fetched(pull, kind, connector.fetch_by_ids(kind, crm_ids)))
            new = [i for i in crm_ids if i not in known]
            children: tuple[ObjectKind, ...] = ("invoice", "order", "payment")
            for child in children:
                if new and settings.mapping(child) is not None:
                    report.objects.append(store_fetched(pull, child, connector.fetch_for_accounts(child, new)))
            return
        fetched = connector.fetch_by_ids(kind, crm_ids)
        mapping = settings.mapping(kind)
        lookup = mapping.fields.get("account_crm_id", "") if mapping else ""
        links = {str(r.fields[lookup]) for r in fetched if r.fields.get(lookup)}
        with self.store.read() as conn:
            stored = existing_ids(conn, "account", pull.source, links)
        pull.known_accounts.update(stored)  # the flush need not look them up again
        missing = links - stored
        if missing:
            self._fetch_into(pull, "account", sorted(missing), report)
        report.objects.append(store_fetched(pull, kind, fetched))

    def recalculate(
        self,
        source: str,
        account_ids: Iterable[str],
        trigger: str = "webhook",
        push: bool = True,
        groups: Mapping[Key, Key] | None = None,
    ) -> EvaluationReport:
        """Evaluate these accounts (and their parent groups), plan their write-backs, and push them.

        Only those groups' write-backs are pushed, so a worker holding their lock sends nothing
        another worker is deciding at the same time. `groups` (member -> group root, from
        `groups_of`) saves reading the hierarchy again when the caller already has it.
        """
        keys = [(source, crm_id) for crm_id in account_ids]
        if groups is None:
            with self.store.read() as conn:
                groups = groups_of(conn, keys)
        report = self.evaluate(trigger=trigger, accounts=keys, groups=groups)
        if push:
            roots = {groups.get(key, key) for key in keys}
            scope = {
                crm_id for (member_source, crm_id), root in groups.items() if member_source == source and root in roots
            }
            self.push([source], accounts=scope | {key[1] for key in keys})
        return report

    def close(self) -> None:
        """Close every connector."""
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()
