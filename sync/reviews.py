"""Record a credit review (seed §2, §6): its outcome is audited, its day resets the review clock.

The review is stored, an audit row names who recorded it, and the account is re-evaluated at once so
`last_review_on`, `next_review_on` and REVIEW_DUE change now and the write-back is planned (the next
push or sync sends it). A promise to pay taken in the review pauses dunning escalation until that day.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from connectors.errors import ConfigError
from sync.config import AppConfig
from sync.evaluation import Evaluator
from sync.reports import EvaluationReport
from sync.store import Store
from sync.store import alerts as stored
from sync.store.codec import to_stamp
from sync.store.records import existing_ids
from sync.store.schema import audit

MAX_OUTCOME = 4000  # an outcome is a few sentences; the audit row keeps all of it


def record_review(
    config: AppConfig,
    store: Store,
    key: tuple[str, str],
    outcome: str,
    actor: str,
    clock: Callable[[], datetime],
    promise_to_pay_on: date | None = None,
) -> EvaluationReport:
    """Store the review, audit it, and re-evaluate the account (and its group)."""
    config.source(key[0])
    text = outcome.strip()
    if not text:
        raise ConfigError("--outcome: say what the review found (it is kept in the audit log)")
    if len(text) > MAX_OUTCOME:
        raise ConfigError(f"--outcome: at most {MAX_OUTCOME} characters ({len(text)} given)")
    now = clock()
    review = stored.Review(now.date(), text, promise_to_pay_on, actor)
    with store.write() as conn:
        if not existing_ids(conn, "account", key[0], [key[1]]):
            raise ConfigError(f"no account {key[1]!r} of source {key[0]!r} in the store (run sync first)")
        stored.save_review(conn, key, review, now)
        after = {"reviewed_on": review.reviewed_on.isoformat(), "outcome": text,
                 "promise_to_pay_on": promise_to_pay_on.isoformat() if promise_to_pay_on else None}  # fmt: skip
        row = {"at": to_stamp(now), "source": key[0], "crm_id": key[1], "event": "review", "trigger": "user",
               "actor": actor, "after": json.dumps(after, ensure_ascii=False)}  # fmt: skip
        conn.execute(sa.insert(audit).values(row))
    return Evaluator(config, store, clock, trigger="user", actor=actor).run([key])
