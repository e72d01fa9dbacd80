"""`crm-credit simulate --policy NEW.toml`: every stored account decided under the live and a proposed policy.

Nothing is written: no decision, no history, no outbox row. Both runs see the same inputs (imports
merged), the same previous decision and the same group exposure (the current decision's: exposure
does not depend on the policy), so every difference comes from the policy alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from credit_core import evaluate_account
from credit_core.audit import decision_from_dict
from credit_core.engine import converter
from credit_core.errors import CreditCoreError
from credit_core.fx import parse_rates
from credit_core.models import Decision
from credit_core.policy import Policy
from credit_core.simulation import PolicyDiff, compare
from credit_core.supplements import with_supplements
from sync.store import Store
from sync.store import decisions as saved
from sync.store import supplements as imported
from sync.store.bundles import Bundle, stream_bundles

Key = tuple[str, str]
_CHUNK = 500


def _chunks(bundles: Iterator[Bundle]) -> Iterator[list[Bundle]]:
    chunk: list[Bundle] = []
    for bundle in bundles:
        chunk.append(bundle)
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def simulate(
    store: Store, live: Policy, proposed: Policy, now: datetime, fx_rates: dict[str, Decimal] | None = None
) -> tuple[PolicyDiff, int]:
    """The diff of `proposed` against `live` over every stored account, and how many could not be decided."""
    rates = parse_rates(fx_rates)
    before: dict[Key, Decision] = {}
    after: dict[Key, Decision] = {}
    errors = 0
    with store.read() as conn:
        for chunk in _chunks(stream_bundles(conn)):
            keys = [b.key for b in chunk]
            current = saved.load_current(conn, keys)
            statements, covers = imported.load_statements(conn, keys), imported.load_covers(conn, keys)
            for bundle in chunk:
                stored = current.get(bundle.key)
                prior = decision_from_dict(stored) if stored else None
                group = prior.group_exposure if prior is not None else None
                try:
                    fx = converter(bundle.account, live, rates)
                    account = with_supplements(bundle.account, statements.get(bundle.key, ()),
                                               covers.get(bundle.key, ()), now.date(), fx)  # fmt: skip
                    for policy, decided in ((live, before), (proposed, after)):
                        decided[bundle.key] = evaluate_account(
                            account, bundle.invoices, bundle.orders, policy, now, previous=prior, fx_rates=rates,
                            payments=bundle.payments, group_exposure=group,
                        )  # fmt: skip
                except CreditCoreError:
                    errors += 1
    return compare(before, after, rates, live.base_currency), errors
