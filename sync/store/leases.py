"""Named leases in the store: who holds a lock, until when.

A lease works the same on SQLite (one machine, writers serialised) and PostgreSQL (many machines:
`INSERT … ON CONFLICT DO UPDATE … WHERE expires_at < now` is decided row by row under the row lock).
It serialises one account group's re-evaluation across every worker process, and lets a periodic
task run once per period however many workers' schedulers enqueue it. A worker that dies holding a
lease blocks its name until the lease expires, never longer. A released group lease may cool down
(held by nobody for a moment), which spaces one group's re-evaluations during a burst; the cooling
row keeps its step (`sync.cooldown`) after it lapses, until the group is taken again or purged.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from sync.store.among import among
from sync.store.codec import from_stamp, to_stamp
from sync.store.schema import leases

COOLING = "(cooling down)"  # the owner of a released lease that may not be taken again yet, then its step


def is_cooling(owner: str) -> bool:
    """Whether `owner` is nobody, for a cool-down."""
    return owner.startswith(COOLING)


def try_acquire(conn: Connection, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease `name` for `owner` unless someone else holds an unexpired one."""
    return name in try_acquire_many(conn, [name], owner, now, ttl)


def try_acquire_many(conn: Connection, names: Iterable[str], owner: str, now: datetime, ttl: timedelta) -> set[str]:
    """Take each of these leases for `owner` that nobody else holds unexpired; returns the names taken.

    One statement for all of them: a batch of recalculations takes one lease per account group, and a
    round trip per lease was a fifth of the batch. Rows are taken in name order, as one at a time would.
    """
    wanted = sorted(set(names))
    if not wanted:
        return set()
    params = {f"name_{i}": name for i, name in enumerate(wanted)}
    params.update(owner=owner, expires=to_stamp(now + ttl), now=to_stamp(now))
    return {str(row.name) for row in conn.execute(_acquire_statement(conn.dialect.name, len(wanted)), params)}


@functools.lru_cache(maxsize=64)
def _acquire_statement(dialect: str, count: int) -> sa.Insert:
    """The upsert taking `count` leases, built once per size: every recalculation takes its groups' leases."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows: list[dict[str, Any]] = [
        {"name": sa.bindparam(f"name_{i}"), "owner": sa.bindparam("owner"), "expires_at": sa.bindparam("expires")}
        for i in range(count)
    ]
    stmt = insert(leases).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[leases.c.name],
        set_={"owner": stmt.excluded.owner, "expires_at": stmt.excluded.expires_at},
        where=sa.or_(leases.c.expires_at < sa.bindparam("now"), leases.c.owner == sa.bindparam("owner")),
    )
    # RETURNING, not rowcount: drivers disagree on the rowcount of an upsert that did nothing.
    return stmt.returning(leases.c.name)


def release(conn: Connection, names: Iterable[str], owner: str) -> None:
    """Give back leases this owner holds (others' leases are left alone)."""
    wanted = list(names)
    if wanted:
        conn.execute(sa.delete(leases).where(leases.c.name.in_(wanted), leases.c.owner == owner))


_COOL_DOWN = (
    sa.update(leases)
    .where(among(leases.c.name, "names"), leases.c.owner == sa.bindparam("holder"))
    .values(owner=sa.bindparam("cooling"), expires_at=sa.bindparam("until"))
)  # built once: every recalculation ends with it


def cool_down(conn: Connection, rests: Mapping[str, tuple[int, datetime]], owner: str) -> None:
    """Hand leases this owner holds to nobody until the end of each one's rest, given as (step, end).

    No one takes them before then; the step stays on record for the group's next cool-down.
    """
    by_rest: dict[tuple[int, datetime], list[str]] = {}
    for name, step_and_end in rests.items():
        by_rest.setdefault(step_and_end, []).append(name)
    for (step, until), names in by_rest.items():
        values = {"names": names, "holder": owner, "cooling": f"{COOLING} {step}", "until": to_stamp(until)}
        conn.execute(_COOL_DOWN, values)


_LAST_RESTS = sa.select(leases.c.name, leases.c.owner, leases.c.expires_at).where(
    among(leases.c.name, "names"), leases.c.owner.startswith(COOLING, autoescape=True)
)


def last_rests(conn: Connection, names: Iterable[str]) -> dict[str, tuple[int, datetime]]:
    """(step, end) of the cool-downs on record among `names`, over or not."""
    wanted = list(names)
    if not wanted:
        return {}
    found = {}
    for row in conn.execute(_LAST_RESTS, {"names": wanted}):
        step = row.owner.removeprefix(COOLING).strip()  # none on a row cooled before steps were kept
        found[row.name] = (int(step) if step.isdigit() else 0, from_stamp(row.expires_at))
    return found


def held_until(conn: Connection, names: Iterable[str], now: datetime) -> dict[str, tuple[str, datetime]]:
    """(owner, expiry) of the unexpired leases among `names`."""
    wanted = list(names)
    if not wanted:
        return {}
    query = sa.select(leases).where(leases.c.name.in_(wanted), leases.c.expires_at >= to_stamp(now))
    return {row.name: (row.owner, from_stamp(row.expires_at)) for row in conn.execute(query)}


def purge_expired(conn: Connection, now: datetime) -> int:
    """Drop leases that lapsed (cooled-down groups and the leases of workers that died)."""
    return int(conn.execute(sa.delete(leases).where(leases.c.expires_at < to_stamp(now))).rowcount or 0)


def holder(conn: Connection, name: str, now: datetime) -> str | None:
    """The owner of an unexpired lease, or None."""
    query = sa.select(leases.c.owner).where(leases.c.name == name, leases.c.expires_at >= to_stamp(now))
    return conn.execute(query).scalar_one_or_none()
