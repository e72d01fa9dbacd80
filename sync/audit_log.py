"""The decision log: export it, and re-run any logged decision from what its row kept.

The `audit` table is append-only: rows are inserted by evaluation (decisions), the pusher (refused
writes) and the workflows, and only `purge` ever deletes them (sync.retention). Each decision row
holds the policy version, the digest of its inputs, the actor and trigger, and the whole decision
before and after; the diff is derived from those two, so it can never disagree with them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.errors import ConfigError
from credit_core import evaluate_account
from credit_core.audit import decision_from_dict, decision_to_dict
from credit_core.policy import Policy
from sync.store import Store, snapshots
from sync.store import decisions as saved
from sync.store.codec import to_stamp
from sync.store.schema import audit

EXPORT_COLUMNS = (
    "id", "at", "source", "crm_id", "event", "trigger", "actor", "policy_version", "inputs_digest",
    "changed", "diff", "before", "after",
)  # fmt: skip


def diff(before: Any, after: Any) -> dict[str, list[Any]]:
    """field -> [before, after] for every field whose value differs (all of `after` when there is no before)."""
    if not isinstance(after, dict):
        return {}
    old = before if isinstance(before, dict) else {}
    return {k: [old.get(k), v] for k, v in after.items() if k != "evaluated_at" and old.get(k) != v}


def _row_dict(row: Any) -> dict[str, Any]:
    before = json.loads(row.before) if row.before else None
    after = json.loads(row.after) if row.after else None
    changes = diff(before, after) if row.event == "decision" else {}
    return {
        "id": row.id, "at": row.at, "source": row.source, "crm_id": row.crm_id, "event": row.event,
        "trigger": row.trigger, "actor": row.actor, "policy_version": row.policy_version,
        "inputs_digest": row.inputs_digest, "changed": sorted(changes), "diff": changes,
        "before": before, "after": after,
    }  # fmt: skip


def iter_audit(conn: Connection, since: date | None = None) -> Iterator[dict[str, Any]]:
    """Audit rows in id order (from the start of `since`, UTC), each with its diff."""
    query = sa.select(audit).order_by(audit.c.id)
    if since is not None:
        query = query.where(audit.c.at >= to_stamp(datetime.combine(since, time(0), tzinfo=UTC)))
    for row in conn.execution_options(stream_results=True, yield_per=1000).execute(query):
        yield _row_dict(row)


def write_export(rows: Iterator[dict[str, Any]], out: IO[str], fmt: str) -> int:
    """Write rows as JSON lines or CSV (nested values as JSON text); the number written."""
    if fmt not in ("csv", "jsonl"):
        raise ConfigError(f"audit export: unknown format {fmt!r} (csv or jsonl)")
    count = 0
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in rows:
        if writer is None:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                             for k, v in row.items()})  # fmt: skip
        count += 1
    return count


@dataclass(frozen=True)
class Reproduction:
    """A logged decision next to the same evaluation run again."""

    audit_id: int
    key: tuple[str, str]
    logged: dict[str, Any]
    again: dict[str, Any]

    @property
    def same(self) -> bool:
        """True when the re-run decided exactly what was logged."""
        return self.logged == self.again

    @property
    def differences(self) -> dict[str, list[Any]]:
        """field -> [logged, again] where they differ."""
        return {k: [self.logged.get(k), v] for k, v in self.again.items() if self.logged.get(k) != v}


def reproduce(store: Store, audit_id: int) -> Reproduction:
    """Re-evaluate a logged decision from its row: snapshot inputs, logged policy, previous decision, instant."""
    with store.read() as conn:
        row = conn.execute(sa.select(audit).where(audit.c.id == audit_id)).first()
        if row is None:
            raise ConfigError(f"audit: no row with id {audit_id}")
        if row.event != "decision" or not row.inputs_digest or not row.policy_version:
            raise ConfigError(f"audit row {audit_id} is a {row.event!r} event, not a reproducible decision")
        document = saved.load_inputs(conn, row.inputs_digest)
        content = saved.load_policy_content(conn, row.policy_version)
    if document is None or content is None:
        missing = "input snapshot" if document is None else f"policy {row.policy_version}"
        raise ConfigError(f"audit row {audit_id}: its {missing} is not in the store (logged before snapshots)")
    inputs = snapshots.decode(document)
    policy = Policy.model_validate(json.loads(content))
    logged = json.loads(row.after)
    previous = decision_from_dict(json.loads(row.before)) if row.before else None
    decision = evaluate_account(
        **inputs,
        policy=policy,
        as_of=datetime.fromisoformat(logged["evaluated_at"]),
        previous=previous,
    )
    again = json.loads(json.dumps(decision_to_dict(decision), default=str))
    return Reproduction(audit_id, (row.source, row.crm_id), logged, again)
