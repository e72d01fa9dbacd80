"""`crm-credit purge --before DATE`: drop old history that the audit rules no longer require.

The rule (config `[audit] retention_years`, default 7):
- every audit and decision-history row of the last `retention_years` years is kept, whatever
  `--before` says: the effective cut-off is the earlier of `--before` and that floor;
- the latest decision row of each account (audit and history) is kept however old, so every
  customer's current limit stays explained;
- the input snapshots and policy versions that a kept audit row points to are kept (reproduction);
- refused import rows older than the cut-off go too.
The current decisions, records, outbox and sync state are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.store import Store
from sync.store.codec import to_stamp
from sync.store.schema import audit, audit_inputs, decision_history, decisions, import_rejects, policy_versions


@dataclass
class PurgeReport:
    """What a purge removed, and the cut-off it used."""

    requested: date
    cutoff: date
    audit_rows: int = 0
    history_rows: int = 0
    snapshots: int = 0
    policy_versions: int = 0
    import_rejects: int = 0
    dry_run: bool = False

    @property
    def clamped(self) -> bool:
        """True when the retention floor moved the cut-off earlier than asked."""
        return self.cutoff < self.requested


def retention_floor(today: date, years: int) -> date:
    """The same calendar day `years` years back (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _latest_ids(table: sa.Table, event_filter: sa.ColumnElement[bool] | None = None) -> sa.Select[tuple[int]]:
    query = sa.select(sa.func.max(table.c.id)).group_by(table.c.source, table.c.crm_id)
    return query if event_filter is None else query.where(event_filter)


def _delete(conn: Connection, statement: sa.Delete, dry_run: bool) -> int:
    if dry_run:
        counted = sa.select(sa.func.count()).select_from(statement.table).where(statement.whereclause)  # type: ignore[arg-type]
        return int(conn.execute(counted).scalar_one())
    return int(conn.execute(statement).rowcount)


def purge(store: Store, before: date, today: date, retention_years: int, dry_run: bool = False) -> PurgeReport:
    """Delete history older than the effective cut-off, keeping what the rule above requires."""
    cutoff = min(before, retention_floor(today, retention_years))
    report = PurgeReport(before, cutoff, dry_run=dry_run)
    stamp = to_stamp(datetime.combine(cutoff, time(0), tzinfo=UTC))
    with store.write() as conn:
        keep_audit = _latest_ids(audit, audit.c.event == "decision").scalar_subquery()
        report.audit_rows = _delete(
            conn, sa.delete(audit).where(audit.c.at < stamp, audit.c.id.not_in(keep_audit)), dry_run
        )
        keep_history = _latest_ids(decision_history).scalar_subquery()
        old_history = sa.and_(decision_history.c.at < stamp, decision_history.c.id.not_in(keep_history))
        report.history_rows = _delete(conn, sa.delete(decision_history).where(old_history), dry_run)
        used = sa.select(audit.c.inputs_digest).where(audit.c.inputs_digest.is_not(None))
        report.snapshots = _delete(
            conn, sa.delete(audit_inputs).where(audit_inputs.c.at < stamp, audit_inputs.c.digest.not_in(used)), dry_run
        )
        versions = sa.union(
            sa.select(audit.c.policy_version).where(audit.c.policy_version.is_not(None)),
            sa.select(decisions.c.policy_version),
        )
        report.policy_versions = _delete(
            conn,
            sa.delete(policy_versions).where(
                policy_versions.c.first_used < stamp, policy_versions.c.policy_version.not_in(versions)
            ),
            dry_run,
        )
        report.import_rejects = _delete(conn, sa.delete(import_rejects).where(import_rejects.c.at < stamp), dry_run)
    return report
