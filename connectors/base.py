"""The contract between the sync engine and every CRM connector.

Here live the admin-facing mapping and source-settings models (connectors apply them) and the
small `Connector` Protocol the engine depends on. Connectors import neither `sync` nor `webhooks`;
what they need from the store (API usage, shared tokens) reaches them through `ConnectorContext`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credit_core.models import (
    Account,
    Decision,
    Financials,
    Invoice,
    LimitOverride,
    Order,
    Payment,
    Qualitative,
)

ObjectKind = Literal["account", "invoice", "order", "payment"]
OBJECT_KINDS: tuple[ObjectKind, ...] = ("account", "invoice", "order", "payment")
# The config table that maps each kind: [sources.X.accounts], [sources.X.invoices], ...
SECTION_OF: dict[ObjectKind, str] = {
    "account": "accounts",
    "invoice": "invoices",
    "order": "orders",
    "payment": "payments",
}

_NESTED = {"financials": Financials, "qualitative": Qualitative, "limit_override": LimitOverride}
_RECORD_OF = {"account": Account, "invoice": Invoice, "order": Order, "payment": Payment}
_KEYS_NOT_MAPPED = {"source", "crm_id"}  # set by the engine, never from a CRM field


def canonical_keys(kind: ObjectKind) -> frozenset[str]:
    """Every canonical key a mapping for `kind` may use; nested ones dotted (`financials.ebit`)."""
    keys: set[str] = set()
    for f in dataclasses.fields(_RECORD_OF[kind]):
        if f.name in _KEYS_NOT_MAPPED:
            continue
        nested = _NESTED.get(f.name) if kind == "account" else None
        if nested is None:
            keys.add(f.name)
        else:
            keys.update(f"{f.name}.{sub.name}" for sub in dataclasses.fields(nested))
    return frozenset(keys)


DECISION_KEYS: frozenset[str] = frozenset(f.name for f in dataclasses.fields(Decision))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldTransform(_Strict):
    """How one CRM value becomes a canonical value; applied in the order listed here."""

    constant: str | int | None = None  # a fixed value; the key then needs no CRM field
    map: dict[str, str | None] | None = None  # CRM value -> canonical value (e.g. "Paid" -> "paid")
    date_format: str | None = None  # strptime format of a date the CRM stores as text
    scale: Decimal | None = None  # multiply a number (thousands -> units, percent -> share)
    minus: str | None = None  # subtract another CRM field (balance = planned - received)


class ObjectMapping(_Strict):
    """Which CRM object holds one canonical kind, and which of its fields feed which key."""

    object: str = Field(min_length=1)
    fields: dict[str, str] = Field(default_factory=dict)
    transforms: dict[str, FieldTransform] = Field(default_factory=dict)

    def crm_fields(self) -> list[str]:
        """The CRM fields to read, in a stable order, including those transforms subtract."""
        names = list(dict.fromkeys(self.fields.values()))
        for t in self.transforms.values():
            if t.minus and t.minus not in names:
                names.append(t.minus)
        return names


class WritebackMapping(_Strict):
    """Which Decision fields are written onto which fields of the CRM's account object."""

    object: str = Field(min_length=1)
    fields: dict[str, str] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _known_decision_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - DECISION_KEYS)
        if unknown:
            known = ", ".join(sorted(DECISION_KEYS))
            raise ValueError(f"unknown Decision field {unknown[0]!r} (known: {known})")
        return value


def _check_keys(kind: ObjectKind, mapping: ObjectMapping) -> None:
    allowed = canonical_keys(kind)
    for key in [*mapping.fields, *mapping.transforms]:
        if key not in allowed:
            raise ValueError(f"unknown {kind} field {key!r} (known: {', '.join(sorted(allowed))})")


class SourceSettings(_Strict):
    """Settings every source has, whatever its CRM. Each connector package subclasses it."""

    kind: str
    ca_bundle: str | None = None
    api_budget_share: float = Field(default=0.5, gt=0, le=1)
    api_daily_limit: int = Field(default=0, ge=0)
    lookback_s: int = Field(default=600, ge=0)
    checkpoint_every: int = Field(default=5000, ge=1)
    bulk_threshold: int = Field(default=10000, ge=1)
    read_timeout_s: float = Field(default=120.0, gt=0)  # a CRM call unanswered this long is retried
    accounts: ObjectMapping
    invoices: ObjectMapping | None = None
    orders: ObjectMapping | None = None
    payments: ObjectMapping | None = None
    writeback: WritebackMapping | None = None

    @model_validator(mode="after")
    def _mapped_keys_exist(self) -> SourceSettings:
        for kind in OBJECT_KINDS:
            mapping = self.mapping(kind)
            if mapping is not None:
                _check_keys(kind, mapping)
        return self

    def mapping(self, kind: ObjectKind) -> ObjectMapping | None:
        """The mapping for one canonical kind, or None when the source does not map it."""
        value: ObjectMapping | None = getattr(self, SECTION_OF[kind])
        return value


# ---- what flows between a connector and the engine ------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One CRM row as read: its id, modification stamp and fields by CRM API name.

    Values are plain JSON-ish values with the CRM's transport quirks removed (a Zoho lookup
    `{name, id}` arrives as the id string); meaning is applied later by `connectors.mapping`.
    """

    crm_id: str
    stamp: datetime
    fields: Mapping[str, Any]
    deleted: bool = False


@dataclass(frozen=True, slots=True, order=True)
class Cursor:
    """A position in the (stamp, crm_id) order in which connectors return changes."""

    stamp: datetime
    crm_id: str


@dataclass(frozen=True, slots=True)
class Window:
    """Rows with `start <= stamp < end`, strictly after `after` when resuming from a checkpoint.

    `start=None` reads everything (a full sync). `end` is frozen at run start so rows changed
    during the run are left for the next one.
    """

    start: datetime | None
    end: datetime
    after: Cursor | None = None


@dataclass(frozen=True, slots=True)
class Deletion:
    """A record the CRM reports as deleted since the window start."""

    crm_id: str
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """Values to set on one CRM record, by CRM field API name, already formatted for the CRM."""

    crm_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """The CRM's answer for one record of a batch write."""

    crm_id: str
    ok: bool
    code: str | None = None
    message: str | None = None
    transient: bool = False  # failed, but retrying the same values may succeed


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field as the CRM describes it."""

    name: str
    label: str
    type: str  # the CRM's own type name: currency, double, string, picklist, date, ...
    length: int | None = None
    writable: bool = True
    custom: bool = False
    picklist_values: tuple[str, ...] = ()
    on_layout: bool | None = None  # None when the CRM has no notion of page layouts


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A write-back field crm-credit wants on the account object."""

    decision_key: str
    name: str  # requested API name (a CRM may generate its own; see FieldSetup.name)
    label: str
    type: Literal["currency", "number", "percent", "text", "long_text", "date", "picklist"]
    length: int | None = None
    picklist_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldSetup:
    """What `create_fields` did for one spec."""

    decision_key: str
    name: str  # the API name the field really has
    outcome: Literal["created", "exists", "manual"]  # manual: the admin must create it (Fxiaoke)
    message: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One record a notification says changed."""

    kind: ObjectKind
    crm_id: str


@dataclass(frozen=True, slots=True)
class Notification:
    """A verified CRM notification: what changed, how to dedupe it, what to answer."""

    changes: tuple[Change, ...]
    delivery_ids: tuple[str, ...] = ()  # the CRM's own notification ids, for deduplication
    ack_body: bytes = b""
    ack_media_type: str = "application/json"
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # crm_id -> fields sent along


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """API consumption as the CRM reports it (org-wide) and as this process counted it."""

    used: int | None
    limit: int | None
    calls: int  # calls this connector made since it was created
    retries: Mapping[str, int] = field(default_factory=dict)  # retried attempts by cause (429, 503, timeout, …)


@runtime_checkable
class ListsLiveIds(Protocol):
    """Optional: a connector whose CRM keeps no trace of a hard delete (Fxiaoke) lists what still exists.

    After the deletions of a run, the engine tombstones stored rows of `kind` missing from the list.
    """

    def pull_live_ids(self, kind: ObjectKind, window: Window) -> Iterable[str] | None:
        """Every id of `kind` the CRM still holds, or None when no reconciliation is due this run."""
        ...


# ---- what the engine lends a connector ------------------------------------------------------


class UsageLedger(Protocol):
    """Rolling 24 h API-call counts kept in the store (Zoho and Fxiaoke report no usage header)."""

    def record_calls(self, source: str, n: int, at: datetime) -> None: ...

    def calls_since(self, source: str, since: datetime) -> int: ...


class TokenCache(Protocol):
    """Short-lived access tokens shared between processes, stored encrypted by the engine."""

    def load_token(self, key: str, now: datetime) -> str | None: ...

    def save_token(self, key: str, token: str, expires_at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class PushChannel:
    """A notification channel a CRM keeps open towards crm-credit (Zoho `actions/watch`)."""

    channel_id: str
    expires_at: datetime
    events: tuple[str, ...] = ()
    notify_url: str = ""


class ChannelStore(Protocol):
    """The source's push channels, kept in the store: notifications are accepted only on active ones."""

    def load_channels(self, source: str) -> list[PushChannel]: ...

    def save_channel(self, source: str, channel: PushChannel) -> None: ...


@dataclass(frozen=True)
class ConnectorContext:
    """Everything a connector gets from outside besides its settings."""

    source: str
    usage: UsageLedger | None = None
    tokens: TokenCache | None = None
    clock: Callable[[], datetime] | None = None  # aware UTC now; None means the real clock
    sleep: Callable[[float], None] | None = None  # injectable so tests never wait
    channels: ChannelStore | None = None  # push channels (Zoho); None: only those this process opened


class Connector(Protocol):
    """What the sync engine needs from one CRM. `fetch_*` and `pull_*` go over the network."""

    source: str
    kind: str
    write_batch_size: int  # records per write-back call (Salesforce 200, Zoho 100, Fxiaoke 1)

    def check_mapping(self) -> list[str]:
        """Describe every mapped object; return one problem line per missing or unusable field.

        Fields with problems are dropped from the reads that follow, so the object keeps syncing.
        """
        ...

    def pull_changed(self, kind: ObjectKind, window: Window) -> Iterator[SourceRecord]:
        """Rows of `kind` changed within `window`, ordered by (stamp, crm_id)."""
        ...

    def pull_deleted(self, kind: ObjectKind, window: Window) -> Iterator[Deletion]:
        """Records of `kind` deleted within `window` (as far back as the CRM remembers)."""
        ...

    def fetch_by_ids(self, kind: ObjectKind, crm_ids: Sequence[str]) -> list[SourceRecord]:
        """Current rows for these ids; ids the CRM no longer has come back with `deleted=True`."""
        ...

    def fetch_for_accounts(self, kind: ObjectKind, account_crm_ids: Sequence[str]) -> Iterator[SourceRecord]:
        """All invoices, orders or payments of these accounts (a new account seen by a webhook)."""
        ...

    def fetch_written_values(self, crm_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Current values of the write-back fields, by crm_id (reconciles writes of unknown outcome)."""
        ...

    def push(self, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
        """Write one batch (at most `write_batch_size`) and report every record's outcome."""
        ...

    def describe(self, crm_object: str) -> list[FieldInfo]:
        """The fields of one CRM object."""
        ...

    def create_fields(self, specs: Iterable[FieldSpec]) -> list[FieldSetup]:
        """Create the write-back fields that are missing (idempotent)."""
        ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """Verify and parse a notification; raise `NotificationRejected` when it is not genuine."""
        ...

    def api_usage(self) -> ApiUsage:
        """The latest known API consumption."""
        ...

    def close(self) -> None:
        """Release sessions and sockets."""
        ...
