"""Account groups (parent hierarchies) as the store knows them: which accounts share a group.

Paying one invoice changes its account and that account's parent group (group exposure), never
other accounts (DESIGN §2), so a group is the unit a webhook worker re-evaluates, locks and pushes.
A webhook's few accounts read only their own groups: up their parent chains, then down from
them (a query per level), not the whole book's hierarchy, which costs tens of milliseconds per
recalculation at 100k accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.models import Account
from credit_core.portfolio import group_roots
from sync.store.among import among
from sync.store.bundles import Key
from sync.store.records import chunks
from sync.store.schema import accounts

_IN_LIST = 500  # ids per IN list (SQLite caps the parameters of one statement)


def roots_of(links: Mapping[Key, str | None]) -> dict[Key, Key]:
    """Each linked account's group root, from (account -> parent crm_id) links.

    Keys are walked in sorted order: a cycle in the CRM's hierarchy then gets the same root whether
    the whole book's links were read or only one group's.
    """
    skeleton = {key: Account(source=key[0], crm_id=key[1], parent_crm_id=links[key]) for key in sorted(links)}
    return group_roots(skeleton)


def hierarchy_around(conn: Connection, keys: Iterable[Key]) -> dict[Key, str | None]:
    """What `bundles.load_hierarchy` gives for the groups of these accounts only: (source, crm_id) ->
    parent crm_id of every live member that has a parent or is one (a parent missing from the store
    is listed with None, and still groups its children)."""
    by_source: dict[str, set[str]] = {}
    for source, crm_id in keys:
        by_source.setdefault(source, set()).add(crm_id)
    links: dict[Key, str | None] = {}
    for source, ids in sorted(by_source.items()):
        links.update(_source_groups(conn, source, ids))
    return links


def _source_groups(conn: Connection, source: str, ids: set[str]) -> dict[Key, str | None]:
    parent_of: dict[str, str | None] = {}  # every account read so far (live ones) -> its parent
    # Up: each account's parent chain to its top (or to a parent the store does not hold).
    frontier, seen = set(ids), set(ids)
    while frontier:
        found = _links(conn, source, accounts.c.crm_id, frontier)
        parent_of.update(found)
        frontier = {p for p in found.values() if p is not None and p not in seen}
        seen |= frontier
    # Down: everything below any account on those chains is in their groups (starting from the
    # whole chain, not its top, also finds what hangs below a cycle, which has no top).
    frontier, below = set(seen), set(seen)
    while frontier:
        found = _links(conn, source, accounts.c.parent_crm_id, frontier)
        parent_of.update(found)
        frontier = set(found) - below
        below |= frontier
    links: dict[Key, str | None] = {}
    for crm_id, parent in parent_of.items():
        if parent is not None:
            links[(source, crm_id)] = parent
            links.setdefault((source, parent), None)
    return links


def _links(conn: Connection, source: str, column: sa.Column[str], ids: set[str]) -> dict[str, str | None]:
    """crm_id -> parent crm_id of the live accounts whose `column` is one of `ids`."""
    found: dict[str, str | None] = {}
    query = _LINKS_BY[column.name]
    for chunk in chunks(sorted(ids), _IN_LIST):
        rows = conn.execute(query, {"source": source, "ids": list(chunk)})
        found.update({crm_id: parent for crm_id, parent in rows})
    return found


# Built once per direction (up by crm_id, down by parent_crm_id): every recalculation walks both.
_LINKS_BY = {
    column.name: sa.select(accounts.c.crm_id, accounts.c.parent_crm_id).where(
        accounts.c.source == sa.bindparam("source"), among(column, "ids"), accounts.c.deleted.is_(False)
    )
    for column in (accounts.c.crm_id, accounts.c.parent_crm_id)
}


def in_hierarchies(root_of: Mapping[Key, Key]) -> dict[Key, Key]:
    """The members of real hierarchies among `groups_of`'s answer: a group of one is an account on its own."""
    size: dict[Key, int] = {}
    for root in root_of.values():
        size[root] = size.get(root, 0) + 1
    return {key: root for key, root in root_of.items() if size[root] > 1}


def groups_of(conn: Connection, keys: Iterable[Key]) -> dict[Key, Key]:
    """Every member of the groups these accounts belong to, mapped to its group's root account.

    An account outside any hierarchy is a group of its own (its own root).
    """
    wanted = list(dict.fromkeys(keys))
    roots = roots_of(hierarchy_around(conn, wanted))
    needed = {roots.get(key, key) for key in wanted}
    members = {key: root for key, root in roots.items() if root in needed}
    for key in wanted:
        members.setdefault(key, key)
    return members
