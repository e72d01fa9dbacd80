"""Account groups (parent hierarchies) as the store knows them: which accounts share a group.

Paying one invoice changes its account and that account's parent group (group exposure), never
other accounts (DESIGN §2), so a group is the unit a webhook worker re-evaluates, locks and pushes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Connection

from credit_core.models import Account
from credit_core.portfolio import group_roots
from sync.store.bundles import Key, load_hierarchy


def groups_of(conn: Connection, keys: Iterable[Key]) -> dict[Key, Key]:
    """Every member of the groups these accounts belong to, mapped to its group's root account.

    An account outside any hierarchy is a group of its own (its own root).
    """
    wanted = list(dict.fromkeys(keys))
    links = load_hierarchy(conn, sorted({source for source, _ in wanted}))
    skeleton = {key: Account(source=key[0], crm_id=key[1], parent_crm_id=parent) for key, parent in links.items()}
    roots = group_roots(skeleton)
    needed = {roots.get(key, key) for key in wanted}
    members = {key: root for key, root in roots.items() if root in needed}
    for key in wanted:
        members.setdefault(key, key)
    return members
