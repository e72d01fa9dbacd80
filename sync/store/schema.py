"""The store's tables (SQLAlchemy Core), identical on SQLite and PostgreSQL.

Record tables keep a few key columns plus a compact JSON `payload` of the canonical record, so one
upsert statement serves all four kinds and evaluation streams rows by (source, account) in index
order. Instants are ISO-8601 UTC text with microseconds: they sort as text on both backends.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

STAMP = sa.String(32)  # "2026-11-28T12:00:00.000000+00:00"


def key_text(length: int) -> sa.types.TypeEngine[str]:
    """Text keys that sort by code point on both backends (PostgreSQL's locale order would not).

    Evaluation merges the record tables in key order, so the database's order must be Python's.
    """
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _record_table(name: str, link: str) -> sa.Table:
    """accounts link to their parent, the others to their account."""
    return sa.Table(
        name,
        metadata,
        sa.Column("source", key_text(64), primary_key=True),
        sa.Column("crm_id", key_text(128), primary_key=True),
        sa.Column(link, key_text(128), nullable=True),
        sa.Column("stamp", STAMP, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, default=False),
        sa.Column("seen_pass", sa.Integer, nullable=True),  # last full pass that saw the row
        sa.Column("changed_run", sa.Integer, nullable=False),  # run that last changed its content (for people)
        sa.Column("payload", sa.Text, nullable=False),
        sa.Index(f"ix_{name}_{link}", "source", link),
    )


accounts = _record_table("accounts", "parent_crm_id")
invoices = _record_table("invoices", "account_crm_id")
orders = _record_table("orders", "account_crm_id")
payments = _record_table("payments", "account_crm_id")
RECORD_TABLES: dict[str, sa.Table] = {
    "account": accounts,
    "invoice": invoices,
    "order": orders,
    "payment": payments,
}

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("command", sa.String(32), nullable=False),  # sync | evaluate | push | worker
    sa.Column("source", sa.String(64), nullable=True),  # None: all sources (evaluate)
    sa.Column("started_at", STAMP, nullable=False),
    sa.Column("finished_at", STAMP, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),  # running | ok | problems | budget_stop | failed
    sa.Column("details", sa.Text, nullable=False, default="{}"),
    sa.Index("ix_runs_source", "source", "id"),
)

pull_state = sa.Table(
    "pull_state",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("watermark", STAMP, nullable=True),  # max stamp stored
    sa.Column("deleted_watermark", STAMP, nullable=True),  # end of the last completed deletion read
    sa.Column("window_start", STAMP, nullable=True),  # checkpoint of an unfinished pull
    sa.Column("window_end", STAMP, nullable=True),
    sa.Column("after_stamp", STAMP, nullable=True),
    sa.Column("after_id", sa.String(128), nullable=True),
    sa.Column("full_pass", sa.Integer, nullable=True),  # set while a --full pull is unfinished
    sa.Column("in_progress", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", STAMP, nullable=False),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("crm_id", sa.String(128), primary_key=True),
    sa.Column("field", sa.String(128), nullable=True),
    sa.Column("value", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("waiting_for", sa.String(128), nullable=True),  # the missing account's crm_id
    sa.Column("stamp", STAMP, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # the CRM fields as read, to re-map on release
    sa.Column("first_seen", STAMP, nullable=False),
    sa.Column("last_seen", STAMP, nullable=False),
    sa.Index("ix_quarantine_waiting", "source", "waiting_for"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("crm_id", sa.String(128), primary_key=True),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("evaluated_at", STAMP, nullable=False),
    sa.Column("changed_at", STAMP, nullable=False),  # last material change
    sa.Column("payload", sa.Text, nullable=False),
)

decision_history = sa.Table(
    "decision_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("crm_id", sa.String(128), nullable=False),
    sa.Column("at", STAMP, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Index("ix_decision_history_account", "source", "crm_id", "id"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", STAMP, nullable=False),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("crm_id", sa.String(128), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),  # decision | crm_edit | write_rejected
    sa.Column("trigger", sa.String(16), nullable=False),  # sync | webhook | user
    sa.Column("actor", sa.String(128), nullable=True),
    sa.Column("policy_version", sa.String(64), nullable=True),
    sa.Column("inputs_digest", sa.String(128), nullable=True),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
    sa.Index("ix_audit_account", "source", "crm_id", "id"),
    sa.Index("ix_audit_at", "at"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("crm_id", sa.String(128), nullable=False),
    sa.Column("crm_object", sa.String(128), nullable=False),
    sa.Column("values", sa.Text, nullable=False),  # CRM field -> formatted value (tagged JSON)
    sa.Column("state", sa.String(16), nullable=False),  # pending | in_flight | sent | failed | rejected
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("code", sa.String(64), nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("created_at", STAMP, nullable=False),
    sa.Column("updated_at", STAMP, nullable=False),
    sa.Column("next_attempt_at", STAMP, nullable=True),
    sa.Index("ix_outbox_state", "source", "state", "id"),
    sa.Index("ix_outbox_account", "source", "crm_id"),
)

echo_ledger = sa.Table(
    "echo_ledger",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("crm_id", sa.String(128), primary_key=True),
    sa.Column("field", sa.String(128), primary_key=True),  # CRM field API name
    sa.Column("value", sa.Text, nullable=True),  # normalised, see sync.echo.normalise
    sa.Column("origin", sa.String(8), nullable=False),  # written | read
    sa.Column("at", STAMP, nullable=False),
)

api_usage = sa.Table(
    "api_usage",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("minute", STAMP, primary_key=True),  # calls are counted per minute bucket
    sa.Column("calls", sa.Integer, nullable=False),
)

token_cache = sa.Table(
    "token_cache",
    metadata,
    sa.Column("key", sa.String(256), primary_key=True),
    sa.Column("token", sa.Text, nullable=False),  # Fernet ciphertext
    sa.Column("expires_at", STAMP, nullable=False),
)

crm_fields = sa.Table(
    "crm_fields",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("crm_object", sa.String(128), primary_key=True),
    sa.Column("field", sa.String(128), primary_key=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("length", sa.Integer, nullable=True),  # texts are cut to it before write-back
    sa.Column("described_at", STAMP, nullable=False),
)

# ---- webhooks and the queue's worker ------------------------------------------------------------

webhook_receipts = sa.Table(
    "webhook_receipts",
    metadata,
    # "delivery:<source>:<CRM notification id>" or "signature:<sha256 of the signature>"
    sa.Column("key", sa.String(160), primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("received_at", STAMP, nullable=False),
    sa.Index("ix_webhook_receipts_received", "received_at"),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(256), primary_key=True),  # "account:<source>:<group root>", "periodic:<task>"
    sa.Column("owner", sa.String(128), nullable=False),
    sa.Column("expires_at", STAMP, nullable=False),
)

push_channels = sa.Table(
    "push_channels",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("channel_id", sa.String(64), primary_key=True),
    sa.Column("expires_at", STAMP, nullable=False),
    sa.Column("events", sa.Text, nullable=False),  # JSON list
    sa.Column("notify_url", sa.Text, nullable=False),
)

# ---- imports, audit snapshots and retention (migration 0004) --------------------------------------

financial_statements = sa.Table(
    "financial_statements",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("crm_id", sa.String(128), primary_key=True),
    sa.Column("as_of", sa.String(10), primary_key=True),  # ISO date of the statement
    sa.Column("figures", sa.Text, nullable=False),  # JSON: figure -> exact decimal text
    sa.Column("imported_at", STAMP, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),  # "file.csv:12"
)

insurance_covers = sa.Table(
    "insurance_covers",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("crm_id", sa.String(128), primary_key=True),
    sa.Column("valid_from", sa.String(10), primary_key=True),  # ISO date; "" = no start date given
    sa.Column("amount", sa.String(40), nullable=False),  # exact decimal text
    sa.Column("currency", sa.String(3), nullable=True),  # None: the account's currency
    sa.Column("expires_on", sa.String(10), nullable=True),
    sa.Column("insurer", sa.String(128), nullable=True),
    sa.Column("policy_ref", sa.String(128), nullable=True),
    sa.Column("imported_at", STAMP, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
)

import_rejects = sa.Table(
    "import_rejects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # financials | insurance
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),  # 1 = the header
    sa.Column("column", sa.String(64), nullable=True),
    sa.Column("value", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # the row as read (JSON)
    sa.Column("at", STAMP, nullable=False),
)

policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("policy_version", sa.String(64), primary_key=True),
    sa.Column("content", sa.Text, nullable=False),  # credit_core.policy.normalised_content
    sa.Column("first_used", STAMP, nullable=False),
)

audit_inputs = sa.Table(
    "audit_inputs",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),  # the audit row's inputs_digest
    sa.Column("document", sa.LargeBinary, nullable=False),  # zlib-compressed JSON, credit_core.snapshot
    sa.Column("at", STAMP, nullable=False),
    sa.Index("ix_audit_inputs_at", "at"),
)

# ---- limit-increase requests and the overrides their approvals put in force (migration 0005) -------

limit_requests = sa.Table(
    "limit_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("crm_id", sa.String(128), nullable=False),
    sa.Column("amount", sa.String(40), nullable=False),  # exact decimal text, in `currency`
    sa.Column("currency", sa.String(3), nullable=False),  # the account's decision currency
    sa.Column("kind", sa.String(16), nullable=False),  # increase | manual (a limit set by hand, even a lower one)
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("origin", sa.String(16), nullable=False),  # cli | api | admin | crm
    sa.Column("requested_by", sa.String(128), nullable=True),  # None: read from the CRM record
    sa.Column("requested_at", STAMP, nullable=False),
    sa.Column("expires_on", sa.String(10), nullable=True),  # the end of a temporary uplift, as asked
    sa.Column("status", sa.String(16), nullable=False),  # pending | approved | rejected
    sa.Column("route", sa.String(64), nullable=True),  # the [approvers] role it waits for
    sa.Column("granted", sa.String(40), nullable=True),  # what the policy granted when it was routed
    sa.Column("decided_by", sa.String(128), nullable=True),  # an approver, or "policy"
    sa.Column("decided_at", STAMP, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index("ix_limit_requests_account", "source", "crm_id", "id"),
    sa.Index("ix_limit_requests_status", "status", "id"),
)

limit_overrides = sa.Table(
    "limit_overrides",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("crm_id", sa.String(128), primary_key=True),
    sa.Column("request_id", sa.Integer, nullable=True),
    sa.Column("amount", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("expires_on", sa.String(10), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("approved_by", sa.String(128), nullable=False),
    sa.Column("set_at", STAMP, nullable=False),
)

# ---- alerts, reviews and digests (migration 0006) ------------------------------------------------

crm_tasks = sa.Table(
    "crm_tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("crm_id", sa.String(128), nullable=False),  # the account the task is about
    sa.Column("change_key", sa.String(64), nullable=False),  # credit_core.alerts: one task per change
    sa.Column("kind", sa.String(16), nullable=False),  # status | flags | review
    sa.Column("owner_crm_id", sa.String(128), nullable=True),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("due_on", sa.String(10), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending | sent | failed | unsupported
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("task_crm_id", sa.String(128), nullable=True),  # the CRM's id of the created task
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("created_at", STAMP, nullable=False),
    sa.Column("updated_at", STAMP, nullable=False),
    sa.UniqueConstraint("source", "change_key", name="uq_crm_tasks_change"),
    sa.Index("ix_crm_tasks_state", "source", "state", "id"),
)

credit_reviews = sa.Table(
    "credit_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("crm_id", sa.String(128), nullable=False),
    sa.Column("reviewed_on", sa.String(10), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("promise_to_pay_on", sa.String(10), nullable=True),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("at", STAMP, nullable=False),
    sa.Index("ix_credit_reviews_account", "source", "crm_id", "id"),
)

digests = sa.Table(
    "digests",
    metadata,
    sa.Column("period", sa.String(32), primary_key=True),  # "daily:2026-11-27", "weekly:2026-W48"
    sa.Column("sent_at", STAMP, nullable=False),
    sa.Column("recipients", sa.Text, nullable=False),  # JSON list
    sa.Column("summary", sa.Text, nullable=False),  # JSON counts
)
