"""`SalesforceConnector`: the `Connector` Protocol over simple-salesforce (registry kind "salesforce").

A run starts with `check_mapping`, which describes every mapped object once; the reads that follow
select only fields describe listed. Accounts also read the write-back fields when write-back targets
the accounts object, so each pull tells the engine what Salesforce currently shows (echo ledger).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import (
    OBJECT_KINDS,
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
from connectors.errors import ConfigError, CrmCreditError, NotificationRejected
from connectors.salesforce import dx, layouts, setup, soql, tasks
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.notifications import parse_outbound
from connectors.salesforce.reads import ObjectReader
from connectors.salesforce.schema import Columns, ObjectSchema, check_fields, check_writeback
from connectors.salesforce.settings import SalesforceSource
from connectors.salesforce.writes import BATCH_SIZE, check_writable, push_batch
from connectors.tasks import TaskOutcome, TaskRequest

log = logging.getLogger(__name__)
_IN_ROOM = soql.MAX_SOQL_CHARS - 1_000


class SalesforceConnector:
    """One Salesforce org, as configured in `[sources.NAME]`."""

    kind = "salesforce"
    write_batch_size = BATCH_SIZE
    task_batch_size = 50  # one call per task; a batch is what one store transaction records

    def __init__(self, source: str, settings: SalesforceSource, context: ConnectorContext) -> None:
        self.source = source
        self.settings = settings
        self.context = context
        self.client = SalesforceClient(source, settings, context)
        # An injected sleep means a test: Bulk jobs are then polled without simple-salesforce's wait.
        self.bulk_wait_s = 0.0 if context.sleep is not None else 2.0
        self._schemas: dict[str, ObjectSchema] = {}
        self._columns: dict[ObjectKind, Columns] = {}
        self._unwritable: set[str] | None = None
        self._described: dict[str, list[FieldInfo]] = {}
        self._org_id = settings.organization_id

    # ---- describe ------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.context.clock() if self.context.clock else datetime.now(UTC)

    def _schema(self, sobject: str) -> ObjectSchema:
        key = soql.checked_name(sobject, "object name").lower()
        if key not in self._schemas:
            body = self.client.rest(f"describe {sobject}", f"sobjects/{sobject}/describe")
            self._schemas[key] = ObjectSchema.from_describe(body or {})
        return self._schemas[key]

    def _wanted(self, kind: ObjectKind) -> dict[str, str]:
        """CRM field -> what it is read for (for messages), in read order."""
        mapping = self.settings.mapping(kind)
        assert mapping is not None
        wanted = {crm: key for key, crm in mapping.fields.items()}
        for key, transform in mapping.transforms.items():
            if transform.minus:
                wanted.setdefault(transform.minus, f"{key} (minus)")
        wb = self.settings.writeback
        if kind == "account" and wb is not None and wb.object.lower() == mapping.object.lower():
            for key, crm in wb.fields.items():
                wanted.setdefault(crm, f"write-back {key}")
        return wanted

    def _check_kind(self, kind: ObjectKind) -> list[str]:
        mapping = self.settings.mapping(kind)
        assert mapping is not None
        formatted = [key for key, t in mapping.transforms.items() if t.date_format or t.constant is not None]
        wb = self.settings.writeback
        quiet = set(wb.fields.values()) - set(mapping.fields.values()) if kind == "account" and wb else set()
        schema = self._schema(mapping.object)
        columns, problems = check_fields(f"{kind}s", schema, self._wanted(kind), formatted, quiet)
        self._columns[kind] = columns
        return problems

    def _check_writeback(self) -> list[str]:
        wb = self.settings.writeback
        if wb is None or not wb.fields:
            self._unwritable = set()
            return []
        self._unwritable, problems = check_writeback(self._schema(wb.object), wb.fields)
        return problems

    def check_mapping(self) -> list[str]:
        """Describe every mapped object (fresh); report and drop what is missing or unusable."""
        self._schemas.clear()
        self._described.clear()
        self._columns.clear()
        problems: list[str] = []
        for kind in OBJECT_KINDS:
            if self.settings.mapping(kind) is not None:
                problems += self._check_kind(kind)
        problems += self._check_writeback()
        for line in problems:
            log.warning("%s: %s", self.source, line)
        return problems

    def _reader(self, kind: ObjectKind) -> ObjectReader:
        mapping = self.settings.mapping(kind)
        if mapping is None:
            raise ConfigError(f"source {self.source!r} maps no {kind}s")
        if kind not in self._columns:
            self._check_kind(kind)
        schema = self._schema(mapping.object)
        return ObjectReader(self.client, schema, self._columns[kind], self.settings.bulk_threshold, self.bulk_wait_s)

    def describe(self, crm_object: str) -> list[FieldInfo]:
        """Fields of an object. Within a run (after `check_mapping`) the run's describe is reused and
        page layouts are not read (on_layout None); otherwise the object is described afresh and
        on_layout says whether every page layout shows the field."""
        key = soql.checked_name(crm_object, "object name").lower()
        if key in self._described:
            return self._described[key]
        if key in self._schemas:
            return self._schemas[key].field_info()
        schema = self._schema(crm_object)
        try:
            placed: Mapping[str, bool] | None = layouts.placement(self.client, schema.name)
        except CrmCreditError as exc:
            log.warning("page layouts of %s could not be read: %s", crm_object, exc)
            placed = None
        self._described[key] = schema.field_info(placed)
        return self._described[key]

    # ---- reads ---------------------------------------------------------------------------------

    def pull_changed(self, kind: ObjectKind, window: Window) -> Iterator[SourceRecord]:
        """Rows changed within the window, soft-deleted ones flagged, in (SystemModstamp, Id) order."""
        return self._reader(kind).changed(window)

    def pull_deleted(self, kind: ObjectKind, window: Window) -> Iterator[Deletion]:
        """Records the `deleted/` resource lists for the window."""
        return self._reader(kind).deleted(window, self._now())

    def fetch_by_ids(self, kind: ObjectKind, crm_ids: Sequence[str]) -> list[SourceRecord]:
        """Current rows; ids Salesforce no longer has come back deleted."""
        return self._reader(kind).by_ids(crm_ids, self._now())

    def fetch_for_accounts(self, kind: ObjectKind, account_crm_ids: Sequence[str]) -> Iterator[SourceRecord]:
        """All rows of `kind` linked to these accounts."""
        reader = self._reader(kind)
        mapping = self.settings.mapping(kind)
        assert mapping is not None
        lookup = reader.schema.api_name(mapping.fields.get("account_crm_id", ""))
        if lookup is None:
            raise ConfigError(f"{kind}s: the account_crm_id field of {mapping.object} is not mapped or missing")
        return reader.for_accounts(lookup, account_crm_ids)

    def fetch_written_values(self, crm_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Current values of the write-back fields, by 18-character id."""
        wb = self.settings.writeback
        if wb is None or not wb.fields:
            return {}
        schema = self._schema(wb.object)
        present = [(crm, api) for crm in dict.fromkeys(wb.fields.values()) if (api := schema.api_name(crm))]
        select = ["Id", *dict.fromkeys(api for _crm, api in present if api != "Id")]
        out: dict[str, dict[str, Any]] = {}
        for chunk in soql.id_chunks(list(crm_ids), _IN_ROOM):
            text = soql.select(select, schema.name, f"Id IN {soql.in_list(chunk)}")
            for page in self.client.query_pages(f"query {schema.name}", text, False):
                for row in page:
                    out[str(row["Id"])] = {crm: row.get(api) for crm, api in present}
        return out

    # ---- writes --------------------------------------------------------------------------------

    def push(self, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
        """PATCH composite/sobjects, 200 records per call, allOrNone=false; one outcome per write."""
        wb = self.settings.writeback
        if wb is None:
            raise ConfigError(f"source {self.source!r} has no [writeback] mapping")
        schema = self._schema(wb.object)
        if self._unwritable is None:
            self._check_writeback()
        check_writable(schema, self._unwritable or set(), writes)
        outcomes: list[WriteOutcome] = []
        for start in range(0, len(writes), BATCH_SIZE):
            outcomes += push_batch(self.client, schema, writes[start : start + BATCH_SIZE])
        return outcomes

    def create_tasks(self, batch: Sequence[TaskRequest]) -> list[TaskOutcome]:
        """One Task per request, related to the account and assigned to its owner."""
        return tasks.create_tasks(self.client, batch)

    def create_fields(self, specs: Iterable[FieldSpec]) -> list[FieldSetup]:
        """Create the write-back fields on the write-back object, grant them and place them on layouts."""
        wb = self.settings.writeback
        if wb is None:
            raise ConfigError(f"source {self.source!r} has no [writeback] mapping")
        user_id = str(self.client.identity().get("user_id", ""))
        if not soql.is_record_id(user_id):
            raise CrmCreditError("Salesforce did not say which user the integration logs in as")
        outcomes = setup.install(self.client, wb.object, list(specs), user_id)
        self._schemas.clear()
        self._described.clear()
        self._unwritable = None
        return outcomes

    def export_metadata(self, folder: Path, specs: Sequence[FieldSpec]) -> dx.Export:
        """Write the write-back fields, permission sets and layouts as Salesforce DX source."""
        wb = self.settings.writeback
        if wb is None:
            raise ConfigError(f"source {self.source!r} has no [writeback] mapping")
        names = [s.name for s in specs]
        for name in [wb.object, *names]:
            soql.checked_name(name, "API name")
        read: dict[str, dict[str, Any]] = {}
        try:
            for layout_id, name in layouts.layout_ids(self.client, wb.object):
                metadata = layouts.layout_metadata(self.client, layout_id)
                read[name] = layouts.with_credit_section(metadata, names) or metadata
        except CrmCreditError as exc:
            log.warning("page layouts of %s could not be read: %s", wb.object, exc)
            read = {}
        return dx.write_export(folder, wb.object, specs, read, self.settings.api_version)

    # ---- notifications and bookkeeping -----------------------------------------------------------

    @property
    def organization_id(self) -> str | None:
        """The org id: configured, or learned from the login's identity (None while unknown)."""
        if self._org_id is None:
            try:
                found = str(self.client.identity().get("organization_id", ""))
            except CrmCreditError as exc:
                log.warning("%s: the org id could not be learned: %s", self.source, exc)
                return None
            self._org_id = found if soql.is_record_id(found) else None
        return self._org_id

    def _kinds_by_object(self) -> dict[str, ObjectKind]:
        kinds: dict[str, ObjectKind] = {}
        for kind in OBJECT_KINDS:
            mapping = self.settings.mapping(kind)
            if mapping is not None:
                kinds.setdefault(mapping.object.lower(), kind)
        return kinds

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify and parse an Outbound Message; the Ack to answer comes with it."""
        org_id = self.organization_id
        if org_id is None:
            raise NotificationRejected("the org id of this source is not known yet", 503)
        return parse_outbound(body, org_id, self._kinds_by_object())

    def api_usage(self) -> ApiUsage:
        """The org-wide usage Salesforce last reported, and the calls this connector made."""
        budget = self.client.budget
        return ApiUsage(budget.used, budget.limit, budget.calls, dict(self.client.session.retries))

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.close()


def make_connector(source: str, settings: Any, context: ConnectorContext) -> SalesforceConnector:
    """Registry entry point for kind "salesforce"."""
    if not isinstance(settings, SalesforceSource):
        raise ConfigError(f"source {source!r} is not a Salesforce source")
    return SalesforceConnector(source, settings, context)
