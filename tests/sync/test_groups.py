"""A webhook's groups, read around its accounts, are exactly the groups the whole book's hierarchy gives."""

from __future__ import annotations

import random

from sync.store import Store
from sync.store.bundles import load_hierarchy
from sync.store.groups import groups_of, roots_of
from tests.sync.builders import account, harness

Target = tuple[Store, str, str | None]


def _book(rng: random.Random) -> dict[str, str | None]:
    """40 accounts: trees up to four levels deep, loners, a parent the CRM does not hold, and a cycle."""
    parents: dict[str, str | None] = {}
    for n in range(36):
        crm_id = f"A{n:02d}"
        earlier = list(parents)
        parents[crm_id] = rng.choice(earlier) if earlier and rng.random() < 0.6 else None
    parents["A36"] = "GONE"  # its parent was never synced: the two children still form one group
    parents["A37"] = "GONE"
    parents["A38"], parents["A39"] = "A39", "A38"  # a cycle in the CRM's data
    parents["A35"] = "A38"  # hangs below the cycle
    return parents


def test_groups_read_around_accounts_match_the_whole_hierarchy(store_target: Target) -> None:
    with harness(store_target) as h:
        parents = _book(random.Random(4))
        for crm_id, parent in parents.items():
            account(h.crm, crm_id, name=crm_id, parent=parent)
        h.crm.tick(60)
        h.engine().sync()
        with h.store.read() as conn:
            whole = roots_of(load_hierarchy(conn))
            for crm_id in parents:
                key = ("sf", crm_id)
                root = whole.get(key, key)
                expected = {m: r for m, r in whole.items() if r == root} or {key: key}
                assert groups_of(conn, [key]) == expected, crm_id
            keys = [("sf", "A03"), ("sf", "A36"), ("sf", "A39")]
            merged = {m: r for m, r in whole.items() if r in {whole.get(k, k) for k in keys}}
            assert groups_of(conn, keys) == merged
    assert len({r for r in whole.values()}) > 3  # the book really has several groups
