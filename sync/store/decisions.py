"""Decisions: the current one per account, history on material change, and the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.policy import Policy, normalised_content
from sync.store.among import among
from sync.store.codec import to_stamp
from sync.store.records import chunks, upsert_many
from sync.store.schema import audit, audit_inputs, decision_history, decisions, policy_versions

Key = tuple[str, str]


_CURRENT_OF = sa.select(decisions.c.crm_id, decisions.c.payload).where(
    decisions.c.source == sa.bindparam("source"), among(decisions.c.crm_id, "ids")
)
_STORED_INPUTS = sa.select(audit_inputs.c.digest).where(among(audit_inputs.c.digest, "digests"))


def load_current(conn: Connection, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    """Current decision payloads (as dicts) of these accounts."""
    by_source: dict[str, list[str]] = {}
    for source, crm_id in keys:
        by_source.setdefault(source, []).append(crm_id)
    found: dict[Key, dict[str, Any]] = {}
    for source, ids in by_source.items():
        for chunk in chunks(ids, 500):
            rows = conn.execute(_CURRENT_OF, {"source": source, "ids": list(chunk)})
            found.update({(source, crm_id): json.loads(payload) for crm_id, payload in rows})
    return found


def save_decisions(conn: Connection, rows: Sequence[DecisionRow], now: datetime) -> None:
    """Store current decisions; history and an audit row for those that changed materially."""
    stamp = to_stamp(now)
    payloads = [_json(r.after) for r in rows]  # the current row, history and audit hold the same text
    current = [
        {"source": r.key[0], "crm_id": r.key[1], "payload": payload, "policy_version": r.policy_version,
         "evaluated_at": stamp, "changed_at": stamp}
        for r, payload in zip(rows, payloads, strict=True)
    ]  # fmt: skip
    material = [c for c, r in zip(current, rows, strict=True) if r.material]
    refreshed = [c for c, r in zip(current, rows, strict=True) if not r.material]
    columns = ["payload", "policy_version", "evaluated_at"]
    upsert_many(conn, decisions, ["source", "crm_id"], material, [*columns, "changed_at"])
    upsert_many(conn, decisions, ["source", "crm_id"], refreshed, columns)
    changes = [(r, c["payload"]) for c, r in zip(current, rows, strict=True) if r.material]
    if not changes:
        return
    conn.execute(
        sa.insert(decision_history),
        [{"source": r.key[0], "crm_id": r.key[1], "at": stamp, "payload": payload} for r, payload in changes],
    )
    conn.execute(
        sa.insert(audit),
        [
            {"at": stamp, "source": r.key[0], "crm_id": r.key[1], "event": "decision", "trigger": r.trigger,
             "actor": r.actor, "policy_version": r.policy_version, "inputs_digest": r.inputs_digest,
             "before": None if r.before is None else _json(r.before), "after": payload}
            for r, payload in changes
        ],
    )  # fmt: skip
    save_inputs(conn, {r.inputs_digest: r.inputs for r, _ in changes if r.inputs_digest and r.inputs is not None}, now)


def save_inputs(conn: Connection, documents: dict[str, bytes], now: datetime) -> None:
    """Store input snapshots by digest; a digest already stored is left alone."""
    if not documents:
        return
    stored: set[str] = set()
    for chunk in chunks(sorted(documents), 500):
        stored.update(conn.execute(_STORED_INPUTS, {"digests": list(chunk)}).scalars())
    rows = [
        {"digest": digest, "document": document, "at": to_stamp(now)}
        for digest, document in documents.items()
        if digest not in stored
    ]
    if rows:
        conn.execute(sa.insert(audit_inputs), rows)


def load_inputs(conn: Connection, digest: str) -> bytes | None:
    """The input snapshot stored under `digest`, if any (see sync.store.snapshots.decode)."""
    blob = conn.execute(sa.select(audit_inputs.c.document).where(audit_inputs.c.digest == digest)).scalar()
    return None if blob is None else bytes(blob)


def remember_policy(conn: Connection, policy: Policy, now: datetime) -> bool:
    """Keep the content of a policy version that decided something (for reproduction); True when stored."""
    version = policy.policy_version
    found = conn.execute(sa.select(policy_versions.c.policy_version).where(policy_versions.c.policy_version == version))
    if found.first() is None:
        conn.execute(
            sa.insert(policy_versions).values(
                policy_version=version, content=normalised_content(policy), first_used=to_stamp(now)
            )
        )
    return True


def load_policy_content(conn: Connection, version: str) -> str | None:
    """The normalised content of a stored policy version."""
    query = sa.select(policy_versions.c.content).where(policy_versions.c.policy_version == version)
    return conn.execute(query).scalar()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One evaluated account's decision as it is stored."""

    key: Key
    after: dict[str, Any]
    before: dict[str, Any] | None
    material: bool
    policy_version: str
    trigger: str
    inputs_digest: str | None = None
    actor: str | None = None
    inputs: bytes | None = None  # sync.store.snapshots: the compressed inputs, kept by digest


def add_audit(
    conn: Connection,
    key: Key,
    now: datetime,
    event: str,
    trigger: str,
    *,
    before: Any = None,
    after: Any = None,
    policy_version: str | None = None,
    inputs_digest: str | None = None,
    actor: str | None = None,
) -> None:
    """One audit row."""
    conn.execute(
        sa.insert(audit).values(
            at=to_stamp(now),
            source=key[0],
            crm_id=key[1],
            event=event,
            trigger=trigger,
            actor=actor,
            policy_version=policy_version,
            inputs_digest=inputs_digest,
            before=None if before is None else _json(before),
            after=None if after is None else _json(after),
        )
    )


def load_history(conn: Connection, key: Key, limit: int = 20) -> list[dict[str, Any]]:
    """The newest material changes of one account, newest first."""
    query = (
        sa.select(decision_history.c.at, decision_history.c.payload)
        .where(decision_history.c.source == key[0], decision_history.c.crm_id == key[1])
        .order_by(decision_history.c.id.desc())
        .limit(limit)
    )
    return [{"at": r.at, **json.loads(r.payload)} for r in conn.execute(query)]
