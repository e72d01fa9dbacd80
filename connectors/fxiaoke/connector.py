"""`FxiaokeConnector`: the `Connector` protocol over Fxiaoke's OpenAPI (纷享销客 / ShareCRM).

Reads are incremental on `last_modified_time` (epoch ms) with keyset paging (see `query`); every
mapped field is checked against describe first. Write-back costs one call per changed customer
(`data/update` takes one record), so the outbox diff matters most here. Fxiaoke has no public push
API: sources are kept current by the scheduled sync, and a tenant workflow may call the generic
signed webhook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import (
    OBJECT_KINDS,
    SECTION_OF,
    ApiUsage,
    ConnectorContext,
    Deletion,
    FieldInfo,
    FieldSetup,
    FieldSpec,
    Notification,
    ObjectKind,
    RecordWrite,
    SourceRecord,
    Window,
    WriteOutcome,
)
from connectors.errors import ConfigError, CrmCreditError, NotificationRejected, RecordRejected
from connectors.fxiaoke import query, tasks
from connectors.fxiaoke.client import FxiaokeClient
from connectors.fxiaoke.codes import FxiaokeCallError
from connectors.fxiaoke.fields import field_setup
from connectors.fxiaoke.plan import ReadPlan, read_plan
from connectors.fxiaoke.schema import FxField, derived_infos, parse_describe
from connectors.fxiaoke.settings import FxiaokeSource
from connectors.fxiaoke.writeback import data_path, outcome_of_failure, update_body, wire_values
from connectors.http import RetryingSession
from connectors.mapping import pull_fields, writeback_fields_read
from connectors.tasks import TaskOutcome, TaskRequest

DESCRIBE_PATH = "/cgi/crm/v2/object/describe"
DESCRIBE_TTL = timedelta(minutes=15)
CHINA_OFFSET_S = 8 * 3600  # reconciliation periods start at midnight in the tenant's zone
NO_PUSH_API = (
    "Fxiaoke has no public change-notification API: Fxiaoke sources are kept current by the scheduled "
    "incremental sync, and a tenant workflow can call the generic signed webhook /webhooks/generic/{source}"
)


def _ms_at_or_after(moment: datetime) -> int:
    """The first whole millisecond at or after `moment` (stamps are whole milliseconds)."""
    micros = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return -(-micros // 1000)


class FxiaokeConnector:
    """One Fxiaoke tenant as a crm-credit source."""

    kind = "fxiaoke"
    write_batch_size = 1  # data/update changes one record per call
    task_batch_size = 20  # data/create makes one record per call; a batch is what one store transaction records

    def __init__(
        self, source: str, settings: FxiaokeSource, context: ConnectorContext, session: RetryingSession | None = None
    ) -> None:
        self.source = source
        self.settings = settings
        self.client = FxiaokeClient(settings, context, session)
        self._described: dict[str, dict[str, FxField]] = {}
        self._plans: dict[ObjectKind, ReadPlan] = {}
        self._described_at = self.client.clock()

    # ---- describe ----------------------------------------------------------------------------------

    def _forget_old_describes(self) -> None:
        # A long-lived worker must see fields an admin adds (or removes) without a restart.
        now = self.client.clock()
        if now - self._described_at > DESCRIBE_TTL:
            self._described.clear()
            self._plans.clear()
            self._described_at = now

    def _fields(self, crm_object: str, fresh: bool = False) -> dict[str, FxField]:
        self._forget_old_describes()
        if fresh or crm_object not in self._described:
            if not query.valid_name(crm_object):
                raise ConfigError(f"{self.source}: {crm_object!r} is not a Fxiaoke object api name")
            try:
                answer = self.client.call(DESCRIBE_PATH, {"data": {"apiName": crm_object}, "includeDetail": True})
            except FxiaokeCallError as exc:
                raise ConfigError(f"{self.source}: cannot describe {crm_object}: {exc.crm_message}") from None
            self._described[crm_object] = parse_describe(answer)
        return self._described[crm_object]

    def describe(self, crm_object: str) -> list[FieldInfo]:
        """The fields of one CRM object, and the `x__r` display values reads may map."""
        fields = self._fields(crm_object)
        return [*(f.info() for f in fields.values()), *derived_infos(fields)]

    def _object(self, kind: ObjectKind) -> str:
        mapping = self.settings.mapping(kind)
        if mapping is None:
            raise ConfigError(f"{self.source}: no [{kind}] mapping")
        return mapping.object

    def _plan(self, kind: ObjectKind) -> ReadPlan:
        self._forget_old_describes()
        if kind not in self._plans:
            crm_object = self._object(kind)
            labels = writeback_fields_read(self.settings) if kind == "account" else ()
            wanted = pull_fields(self.settings, kind)
            section = SECTION_OF[kind]
            self._plans[kind] = read_plan(crm_object, section, wanted, self._fields(crm_object), labels)
        return self._plans[kind]

    def check_mapping(self) -> list[str]:
        """Describe every mapped object; return one problem line per missing or unusable field."""
        self._described.clear()
        self._plans.clear()
        self._described_at = self.client.clock()
        problems: list[str] = []
        for kind in OBJECT_KINDS:
            if self.settings.mapping(kind) is not None:
                problems += self._plan(kind).problems
        problems += self._writeback_problems()
        return problems

    def _writeback_problems(self) -> list[str]:
        wb = self.settings.writeback
        if wb is None or not wb.fields:
            return []
        described = self._fields(wb.object)
        problems = []
        for key, name in wb.fields.items():
            found = described.get(name)
            if found is None:
                problems.append(
                    f"writeback.{key}: {wb.object} has no field {name!r} (setup-fields tells how to add it)"
                )
            elif found.readonly:
                problems.append(f"writeback.{key}: {wb.object}.{name} is read-only")
        return problems

    # ---- reads -------------------------------------------------------------------------------------

    def _fetcher(self, crm_object: str) -> query.Fetch:
        path = data_path(crm_object, "query")

        def fetch(info: dict[str, Any]) -> list[query.Row]:
            """One page of the object's rows."""
            body = {"data": {"dataObjectApiName": crm_object, "search_query_info": info}}
            return query.rows_of(self.client.call(path, body))

        return fetch

    def pull_changed(self, kind: ObjectKind, window: Window) -> Iterator[SourceRecord]:
        """Rows of `kind` changed within `window`, ordered by (stamp, crm_id)."""
        plan = self._plan(kind)
        start = _ms_at_or_after(window.start) if window.start is not None else None
        after = window.after
        cursor = (_ms_at_or_after(after.stamp), after.crm_id) if after and query.valid_id(after.crm_id) else None
        rows = query.changed_rows(
            self._fetcher(plan.crm_object), start, _ms_at_or_after(window.end), cursor, plan.projection
        )
        for row in rows:
            yield plan.record(row)

    def pull_deleted(self, kind: ObjectKind, window: Window) -> Iterator[Deletion]:
        """Nothing beyond `pull_changed`: a record is 作废 (invalid) before it can be deleted, which
        moves its stamp, so `pull_changed` already yields it as deleted. A record then deleted from the
        recycle bin leaves no trace in the API: `pull_live_ids` (daily), a full sync or a fetch by id
        finds it."""
        return iter(())

    def pull_live_ids(self, kind: ObjectKind, window: Window) -> Iterator[str] | None:
        """Every id of `kind` still in Fxiaoke (作废 ones included), when a reconciliation is due.

        Due on the first run after each `reconcile_interval_s` boundary (China time); the deletion
        window starts `lookback_s` before the previous run's start.
        """
        if window.start is None or not self._reconcile_due(window.start, window.end):
            return None
        plan = self._plan(kind)
        rows = query.rows_by_id(self._fetcher(plan.crm_object), [], [query.ID])
        return (str(row.get(query.ID)) for row in rows)

    def _reconcile_due(self, start: datetime, end: datetime) -> bool:
        interval = self.settings.reconcile_interval_s
        if interval == 0:
            return True
        previous_run = start + timedelta(seconds=self.settings.lookback_s)

        def period(moment: datetime) -> int:
            """Which reconciliation period (counted from midnight China time) a moment falls in."""
            return int((moment.timestamp() + CHINA_OFFSET_S) // interval)

        return period(previous_run) != period(end)

    def _by_ids(self, plan: ReadPlan, field: str, ids: Sequence[str]) -> Iterator[query.Row]:
        for crm_id in ids:
            if not query.valid_id(crm_id):
                raise RecordRejected(crm_id, "INVALID_ID", f"not a Fxiaoke record id: {crm_id!r}")
        fetch = self._fetcher(plan.crm_object)
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), query.PAGE):
            wanted = [query.condition(field, "IN", *unique[start : start + query.PAGE])]
            if field == query.ID:  # at most one page: ids are unique
                yield from fetch(query.search(wanted, query.BY_ID, plan.projection))
            else:
                yield from query.rows_by_id(fetch, wanted, plan.projection)

    def fetch_by_ids(self, kind: ObjectKind, crm_ids: Sequence[str]) -> list[SourceRecord]:
        """Current rows for these ids; ids the CRM no longer has come back with `deleted=True`."""
        plan = self._plan(kind)
        found = {r.crm_id: r for r in map(plan.record, self._by_ids(plan, query.ID, crm_ids))}
        now = self.client.clock()
        return [found.get(i) or SourceRecord(i, now, {}, deleted=True) for i in crm_ids]

    def fetch_for_accounts(self, kind: ObjectKind, account_crm_ids: Sequence[str]) -> Iterator[SourceRecord]:
        """All invoices, orders or payments of these accounts (a new account seen by a webhook)."""
        plan = self._plan(kind)
        mapping = self.settings.mapping(kind)
        lookup = mapping.fields.get("account_crm_id") if mapping else None
        if not lookup or not plan.has(lookup):
            raise ConfigError(f"{self.source}: {kind}s need a mapped account_crm_id field that exists")
        for row in self._by_ids(plan, lookup, account_crm_ids):
            yield plan.record(row)

    def fetch_written_values(self, crm_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Current values of the write-back fields, by crm_id (reconciles writes of unknown outcome)."""
        wb = self.settings.writeback
        if wb is None or not wb.fields:
            return {}
        names = list(dict.fromkeys(wb.fields.values()))
        plan = read_plan(wb.object, "writeback", names, self._fields(wb.object), names)
        return {r.crm_id: dict(r.fields) for r in map(plan.record, self._by_ids(plan, query.ID, crm_ids))}

    # ---- writes ------------------------------------------------------------------------------------

    def push(self, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
        """Write each record with its own `data/update` call and report every record's outcome."""
        wb = self.settings.writeback
        if wb is None:
            raise ConfigError(f"{self.source}: no [writeback] mapping")
        described = self._fields(wb.object)
        return [self._write(wb.object, write, described) for write in writes]

    def _write(self, crm_object: str, write: RecordWrite, described: Mapping[str, FxField]) -> WriteOutcome:
        if not query.valid_id(write.crm_id):
            return WriteOutcome(write.crm_id, False, "INVALID_ID", "not a Fxiaoke record id")
        wire = wire_values(write, described)
        if isinstance(wire, WriteOutcome):
            return wire
        body = update_body(crm_object, write.crm_id, wire, self.settings.trigger_workflow)
        try:
            self.client.call(data_path(crm_object, "update"), body, replayable=False)
        except CrmCreditError as exc:
            return outcome_of_failure(write.crm_id, exc)
        return WriteOutcome(write.crm_id, True)

    def create_fields(self, specs: Iterable[FieldSpec]) -> list[FieldSetup]:
        """Report each write-back field as existing (with its real name) or for the admin to create."""
        wb = self.settings.writeback
        crm_object = wb.object if wb is not None else self.settings.accounts.object
        configured = dict(wb.fields) if wb is not None else {}
        described = self._fields(crm_object, fresh=True)
        return [field_setup(s, described, configured.get(s.decision_key), crm_object, self.source) for s in specs]

    def create_tasks(self, batch: Sequence[TaskRequest]) -> list[TaskOutcome]:
        """One 日程 (ScheduleObj) per task, for the account's owner on the due day, linked to the account."""
        return tasks.create_tasks(self.client, batch, self.settings.trigger_workflow)

    # ---- the rest of the protocol ------------------------------------------------------------------

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Always refused: Fxiaoke has no public push API."""
        raise NotificationRejected(NO_PUSH_API.format(source=self.source), status=404)

    def api_usage(self) -> ApiUsage:
        """Calls counted over the last 24 h against the configured daily allowance."""
        meter = self.client.meter
        retries = dict(self.client.session.retries)
        return ApiUsage(used=meter.used(), limit=meter.daily_limit, calls=self.client.http_calls, retries=retries)

    def close(self) -> None:
        """Release sessions and sockets."""
        self.client.close()


def make_connector(source: str, settings: Any, context: ConnectorContext) -> FxiaokeConnector:
    """The registry's factory for kind "fxiaoke"."""
    if not isinstance(settings, FxiaokeSource):
        raise ConfigError(f"{source}: not a Fxiaoke source")
    return FxiaokeConnector(source, settings, context)
