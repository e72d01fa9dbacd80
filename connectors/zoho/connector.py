"""`ZohoConnector`: the `Connector` Protocol for one Zoho CRM org, and `make_connector` for the registry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
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
    PushChannel,
    RecordWrite,
    SourceRecord,
    Window,
    WriteOutcome,
)
from connectors.errors import AuthFailed, ConfigError, SchemaDrift
from connectors.mapping import pull_fields, writeback_fields_read
from connectors.tasks import TaskOutcome, TaskRequest
from connectors.zoho import setup, tasks
from connectors.zoho.client import ZohoClient
from connectors.zoho.fields import FieldCatalog, usable_fields, writeback_problems
from connectors.zoho.listing import ModifiedWalk
from connectors.zoho.reads import Reader
from connectors.zoho.settings import ZohoSource
from connectors.zoho.watch import WatchChannels, parse_callback
from connectors.zoho.writes import MAX_RECORDS, push_batch

MAX_LIST_FIELDS = 50  # `fields` of the list API takes at most 50 names [zoho.md §2.1]


class ZohoConnector:
    """One Zoho org (one data centre, one refresh token) behind the engine's Connector Protocol."""

    kind = "zoho"
    write_batch_size = MAX_RECORDS
    task_batch_size = MAX_RECORDS

    def __init__(self, source: str, settings: ZohoSource, context: ConnectorContext) -> None:
        if settings.api_daily_limit <= 0:
            raise ConfigError(
                f"sources.{source}.api_daily_limit is required for Zoho: the org's daily API credits "
                "(Setup > Developer Space > APIs > API Dashboard)"
            )
        self.source = source
        self.settings = settings
        self.context = context
        self.client = ZohoClient(settings, context)
        self.catalog = FieldCatalog(self.client)
        self.reader = Reader(self.client)
        self.channels = WatchChannels(self.client, settings, source, context.channels, self.client.clock)
        self.walks: dict[str, ModifiedWalk] = {}  # the last walk per kind (its stats)
        self._usable: dict[ObjectKind, list[str]] = {}

    # ---- mapping ---------------------------------------------------------------------------

    def _module(self, kind: ObjectKind) -> str:
        mapping = self.settings.mapping(kind)
        if mapping is None:
            raise ConfigError(f"sources.{self.source} maps no {kind} object")
        return mapping.object

    def check_mapping(self) -> list[str]:
        """Fetch every mapped module's metadata; report and drop missing fields, check write-back fields."""
        problems: list[str] = []
        self._usable.clear()
        for kind in OBJECT_KINDS:
            if self.settings.mapping(kind) is not None:
                problems += self._check_kind(kind, refresh=True)
        wb = self.settings.writeback
        if wb is not None and wb.fields:
            problems += writeback_problems(self.catalog.module(wb.object), wb.fields.values())
        return problems

    def _check_kind(self, kind: ObjectKind, refresh: bool = False) -> list[str]:
        module = self._module(kind)
        try:
            known = self.catalog.module(module, refresh=refresh)
        except AuthFailed:
            raise  # refused credentials are not a module problem: the run stops, `status` says why
        except ConfigError as error:
            raise SchemaDrift(f"{kind}: Zoho module {module} cannot be read: {error}") from None
        # Write-back fields read along with accounts are reported once, by the write-back check.
        usable = usable_fields(known, kind, pull_fields(self.settings, kind), writeback_fields_read(self.settings))
        if len(usable.fields) > MAX_LIST_FIELDS:
            raise ConfigError(f"{kind}: {len(usable.fields)} fields mapped; Zoho lists at most {MAX_LIST_FIELDS}")
        self._usable[kind] = usable.fields
        return usable.problems

    def _fields(self, kind: ObjectKind) -> list[str]:
        if kind not in self._usable:
            self._check_kind(kind)
        return self._usable[kind]

    def _types(self, kind: ObjectKind) -> dict[str, str]:
        return self.catalog.module(self._module(kind)).types()

    # ---- reads -----------------------------------------------------------------------------

    def pull_changed(self, kind: ObjectKind, window: Window) -> Iterator[SourceRecord]:
        """Rows of `kind` changed within `window`, ordered by (stamp, crm_id)."""
        fields, types = self._fields(kind), self._types(kind)
        walk = ModifiedWalk(self.client, self._module(kind), fields, self.reader.to_record(fields, types))
        self.walks[kind] = walk
        return walk.records(window)

    def pull_deleted(self, kind: ObjectKind, window: Window) -> Iterator[Deletion]:
        """Records of `kind` deleted within `window` (Zoho keeps 60 days of recycle bin, 120 of purges)."""
        return self.reader.deleted(self._module(kind), window)

    def fetch_by_ids(self, kind: ObjectKind, crm_ids: Sequence[str]) -> list[SourceRecord]:
        """Current rows for these ids; ids Zoho no longer has come back deleted."""
        fields = self._fields(kind)
        return self.reader.by_ids(self._module(kind), fields, self._types(kind), crm_ids)

    def fetch_for_accounts(self, kind: ObjectKind, account_crm_ids: Sequence[str]) -> Iterator[SourceRecord]:
        """All rows of `kind` whose account lookup is one of these accounts (COQL, 50 accounts a query)."""
        mapping = self.settings.mapping(kind)
        lookup = mapping.fields.get("account_crm_id") if mapping else None
        if not lookup:
            raise ConfigError(f"sources.{self.source}.{kind}: no account_crm_id field to find rows by account")
        fields = self._fields(kind)
        return self.reader.by_lookup(self._module(kind), fields, self._types(kind), lookup, account_crm_ids)

    def fetch_written_values(self, crm_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Current values of the write-back fields, by crm_id."""
        wb = self.settings.writeback
        if wb is None or not wb.fields:
            return {}
        names = list(dict.fromkeys(wb.fields.values()))
        types = self.catalog.module(wb.object).types()
        found = self.reader.by_ids(wb.object, [*names, "Modified_Time"], types, crm_ids)
        return {r.crm_id: {n: r.fields.get(n) for n in names} for r in found if not r.deleted}

    # ---- writes ----------------------------------------------------------------------------

    def push(self, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
        """Write one batch of at most 100 records; every record's outcome from its own result entry."""
        wb = self.settings.writeback
        if wb is None:
            raise ConfigError(f"sources.{self.source} has no [writeback] table")
        return push_batch(self.client, wb.object, writes)

    def create_tasks(self, batch: Sequence[TaskRequest]) -> list[TaskOutcome]:
        """Insert up to 100 Tasks related to their accounts and assigned to the accounts' owners."""
        return tasks.create_tasks(self.client, batch)

    # ---- metadata --------------------------------------------------------------------------

    def describe(self, crm_object: str) -> list[FieldInfo]:
        """The fields of one Zoho module (fetched once per check_mapping or field setup, then kept)."""
        return list(self.catalog.module(crm_object).fields.values())

    def create_fields(self, specs: Iterable[FieldSpec]) -> list[FieldSetup]:
        """Create the missing write-back fields on the write-back module and read back their API names."""
        wb = self.settings.writeback
        module = wb.object if wb is not None else self.settings.accounts.object
        return setup.create_fields(self.client, self.catalog, module, list(specs))

    # ---- notifications ---------------------------------------------------------------------

    def enable_notifications(self, notify_url: str) -> PushChannel:
        """Open a watch channel for every mapped module (saved through the context's channel store)."""
        return self.channels.enable(notify_url)

    def renew_notifications(self, notify_url: str = "") -> list[PushChannel]:
        """Renew channels close to expiry, or open one when none is active (the daily scheduler's call)."""
        return self.channels.renew(notify_url)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify a Zoho callback (echoed token, active channel id) and return the changed ids."""
        kinds: dict[str, ObjectKind] = {}
        for kind in OBJECT_KINDS:
            mapping = self.settings.mapping(kind)
            if mapping is not None:
                kinds.setdefault(mapping.object, kind)
        return parse_callback(body, self.settings, self.channels.active_ids(), kinds)

    # ---- usage -----------------------------------------------------------------------------

    def api_usage(self) -> ApiUsage:
        """Credits used in the rolling 24 h against the org's daily allowance, and HTTP calls made."""
        session = self.client.session
        used, limit = self.client.meter.used(), self.settings.api_daily_limit
        return ApiUsage(used, limit, session.attempts, dict(session.retries))

    def token_refreshes(self) -> int:
        """Access tokens this connector minted."""
        return self.client.auth.refreshes

    def close(self) -> None:
        """Release the session's sockets."""
        self.client.close()

    def now(self) -> datetime:
        """The connector's clock."""
        return self.client.clock()


def make_connector(source: str, settings: Any, context: ConnectorContext) -> ZohoConnector:
    """The registry's factory for sources of kind "zoho"."""
    if not isinstance(settings, ZohoSource):
        raise ConfigError(f"sources.{source}: not a Zoho source")
    return ZohoConnector(source, settings, context)
