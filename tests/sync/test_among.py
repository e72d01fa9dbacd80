"""`among` looks up a list of values bound at run time, alike on both backends."""

from __future__ import annotations

import sqlalchemy as sa

from sync.store import Store
from sync.store.among import among
from sync.store.schema import audit

_STAMP = "2026-11-28T12:00:00.000000+00:00"


def test_among_finds_the_listed_values_only(store: Store) -> None:
    rows = [{"at": _STAMP, "source": "sf", "crm_id": name, "event": "decision", "trigger": "sync"} for name in "ABC"]
    with store.write() as conn:
        conn.execute(sa.insert(audit), rows)
    query = sa.select(audit.c.crm_id).where(audit.c.source == sa.bindparam("source"), among(audit.c.crm_id, "ids"))
    with store.read() as conn:
        assert sorted(conn.execute(query, {"source": "sf", "ids": ["C", "A", "Z"]}).scalars()) == ["A", "C"]
        assert conn.execute(query, {"source": "sf", "ids": []}).all() == []
        assert conn.execute(query, {"source": "other", "ids": ["A"]}).all() == []
