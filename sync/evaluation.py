"""The evaluate step: every account (or a few, for a webhook) re-decided from the store, streaming.

Group exposure is summed over each parent hierarchy first (only group members are measured), then
accounts are decided one at a time in chunks. A decision gets history and an audit row only when it
changes materially (DESIGN §2); calendar-driven figures refresh the current row alone. Each chunk's
decisions and outbox plans commit together, so a crash mid-evaluation resumes cleanly: re-deciding
an unchanged account changes nothing and plans nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection

from connectors.errors import ConfigError
from credit_core import evaluate_account
from credit_core.alerts import TaskDraft, task_drafts, with_reviews
from credit_core.audit import decision_from_dict, decision_to_dict
from credit_core.decisions import is_material_change
from credit_core.engine import converter, measure
from credit_core.errors import CreditCoreError
from credit_core.fx import parse_rates
from credit_core.models import Decision
from credit_core.plan import plan_of
from credit_core.policy import load_policy
from credit_core.present import crm_value
from credit_core.requests import granted_limit
from credit_core.supplements import with_supplements
from sync.config import AppConfig
from sync.outbox import DAILY_KEYS, plan_writes
from sync.reports import EvaluationReport
from sync.requests import Step, pick_up_and_apply, roles_of
from sync.store import Store, snapshots
from sync.store import alerts as alert_store
from sync.store import decisions as saved
from sync.store import supplements as imported
from sync.store.bundles import Bundle, Key, load_bundles, load_hierarchy, stream_bundles
from sync.store.groups import hierarchy_around, in_hierarchies, roots_of
from sync.store.state import load_field_lengths

_CHUNK = 500
_SAMPLES = 5


class Evaluator:
    """Re-decides accounts from the store and plans their write-backs."""

    def __init__(
        self,
        config: AppConfig,
        store: Store,
        clock: Callable[[], datetime],
        trigger: str = "sync",
        actor: str | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.trigger = trigger
        self.actor = actor
        self._policy_saved = False
        try:
            self.policy = load_policy(config.policy.path())
        except (CreditCoreError, OSError) as error:
            raise ConfigError(f"policy: {error}") from None
        self.rates = parse_rates(config.fx.rates)
        self.roles = roles_of(config)
        self.plan = plan_of(self.policy)
        self.report = EvaluationReport()
        self._lengths: dict[str, dict[str, int]] = {}
        self._tasks: dict[str, list[TaskDraft]] = defaultdict(list)
        self._formats: dict[str, tuple[tuple[str, str, int | None], ...]] = {}

    def run(self, keys: Iterable[Key] | None = None, groups: Mapping[Key, Key] | None = None) -> EvaluationReport:
        """Evaluate all accounts (keys None) or these accounts with their whole parent groups (`groups`: their
        members and roots, from `groups_of`, when the caller has read them)."""
        now = self.clock()
        wanted = list(dict.fromkeys(keys)) if keys is not None else None
        with self.store.read() as conn:
            self._lengths = self._field_lengths(conn)
            self._formats = self._writeback_formats()
            # A few accounts: their groups' members, read for the group exposure, are kept and not read again.
            read: dict[Key, Bundle] = {}
            exposures = self._group_exposures(conn, now, wanted, None if wanted is None else read, groups)
            if wanted is None:
                bundles: Iterator[Bundle] = stream_bundles(conn)
            else:
                scope = set(wanted) | {k for k in exposures if k[0] in {s for s, _ in wanted}}
                fresh = load_bundles(conn, sorted(scope - read.keys()))
                kept = [bundle for key, bundle in read.items() if key in scope]
                bundles = iter(sorted([*fresh, *kept], key=lambda b: b.key))
            chunk: list[Bundle] = []
            for bundle in bundles:
                chunk.append(bundle)
                if len(chunk) >= _CHUNK:
                    self._decide(chunk, exposures, now)
                    chunk = []
            self._decide(chunk, exposures, now)
        return self.report

    def _field_lengths(self, conn: Connection) -> dict[str, dict[str, int]]:
        lengths = {}
        for name, settings in self.config.sources.items():
            if settings.writeback is not None:
                lengths[name] = load_field_lengths(conn, name, settings.writeback.object)
        return lengths

    def _writeback_formats(self) -> dict[str, tuple[tuple[str, str, int | None], ...]]:
        """(decision key, CRM field, its length) of each source's write-back, worked out once per run."""
        formats = {}
        for name, settings in self.config.sources.items():
            if settings.writeback is not None:
                lengths = self._lengths.get(name, {})
                fields = settings.writeback.fields.items()
                formats[name] = tuple((key, crm_field, lengths.get(crm_field)) for key, crm_field in fields)
        return formats

    def _group_exposures(
        self,
        conn: Connection,
        now: datetime,
        wanted: list[Key] | None,
        read: dict[Key, Bundle] | None = None,
        known: Mapping[Key, Key] | None = None,
    ) -> dict[Key, Decimal]:
        """Group exposure in the base currency for every account that belongs to a parent hierarchy; the
        members' bundles go into `read` when given. `known` (from `groups_of`) saves reading the groups."""
        if known is not None:
            roots = in_hierarchies(known)
        else:
            links = load_hierarchy(conn) if wanted is None else hierarchy_around(conn, wanted)
            roots = roots_of(links)
        if not roots:
            return {}
        if wanted is not None:
            needed = {roots[k] for k in wanted if k in roots}
            roots = {k: r for k, r in roots.items() if r in needed}
        totals: dict[Key, Decimal] = defaultdict(Decimal)
        members = sorted(roots)
        for start in range(0, len(members), _CHUNK):
            totals_of_chunk = self._exposures(conn, members[start : start + _CHUNK], now, read)
            for key, base in totals_of_chunk.items():
                totals[roots[key]] += base
        return {key: totals[root] for key, root in roots.items()}

    def _exposures(
        self, conn: Connection, keys: list[Key], now: datetime, read: dict[Key, Bundle] | None
    ) -> dict[Key, Decimal]:
        """Own exposure in the base currency of a few accounts (one chunk in memory at a time)."""
        found: dict[Key, Decimal] = {}
        for bundle in load_bundles(conn, keys):
            if read is not None:
                read[bundle.key] = bundle
            try:
                fx = converter(bundle.account, self.policy, self.rates)
                _, exposure = measure(bundle.account, bundle.invoices, bundle.orders, bundle.payments, self.policy,
                                      now.date(), fx)  # fmt: skip
            except CreditCoreError:
                continue  # reported when the account itself is decided
            found[bundle.key] = fx.target_to_base(exposure)
        return found

    def _decide(self, chunk: list[Bundle], groups: Mapping[Key, Decimal], now: datetime) -> None:
        if not chunk:
            return
        with self.store.write() as conn:
            previous = saved.load_current(conn, [b.key for b in chunk])
            self._supplement(conn, chunk, now)

            def measure(bundle: Bundle) -> tuple[str, Decimal, Decimal] | None:
                try:
                    return self.measure_request(bundle, groups.get(bundle.key), now)
                except CreditCoreError:
                    return None  # reported when the account itself is decided

            pick_up_and_apply(conn, chunk, Step(self.trigger, self.actor, now), self.roles, measure)
            rows: list[saved.DecisionRow] = []
            wanted: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
            for bundle in chunk:
                decision = self._decide_one(bundle, previous.get(bundle.key), groups.get(bundle.key), now, rows)
                if decision is not None:
                    values = self._writeback_values(bundle.account.source, decision)
                    if values:
                        wanted[bundle.account.source][bundle.account.crm_id] = values
            if rows and not self._policy_saved:
                self._policy_saved = saved.remember_policy(conn, self.policy, now)
            saved.save_decisions(conn, rows, now)
            for source, desired in wanted.items():
                self._plan(conn, source, desired, now)
            for source, drafts in self._tasks.items():
                self.report.tasks += alert_store.save_tasks(conn, source, drafts, now)
            self._tasks.clear()

    def _decide_one(
        self,
        bundle: Bundle,
        before: dict[str, Any] | None,
        group_base: Decimal | None,
        now: datetime,
        rows: list[saved.DecisionRow],
    ) -> Decision | None:
        account = bundle.account
        try:
            prior = decision_from_dict(before) if before is not None else None
            group = None
            if group_base is not None:
                group = converter(account, self.policy, self.rates).base_to_target(group_base)
            decision = evaluate_account(
                account, bundle.invoices, bundle.orders, self.policy, now,
                previous=prior, fx_rates=self.rates, payments=bundle.payments, group_exposure=group,
            )  # fmt: skip
        except CreditCoreError as error:
            self._error(f"{account.source}/{account.crm_id}: {error}")
            return None
        self.report.evaluated += 1
        if self.config.alerts.tasks:
            self._tasks[account.source].extend(task_drafts(account, prior, decision, self.plan, now.date()))
        after = decision_to_dict(decision)
        material = is_material_change(prior, decision)
        digest = inputs = None
        if material:
            self.report.changed += 1
            records = (account, bundle.invoices, bundle.orders, bundle.payments)
            digest, inputs = snapshots.encode(*records, group, self.rates, bundle.stored)
        elif not _same_but_time(before, after):
            self.report.refreshed += 1
        else:
            return decision  # identical: nothing to store
        version = decision.policy_version
        row = saved.DecisionRow(bundle.key, after, before, material, version, self.trigger, digest, self.actor, inputs)
        rows.append(row)
        return decision

    def _supplement(self, conn: Connection, chunk: list[Bundle], now: datetime) -> None:
        """Recorded reviews, imported statements and insurance covers onto the accounts."""
        keys = [b.key for b in chunk]
        statements, covers = imported.load_statements(conn, keys), imported.load_covers(conn, keys)
        reviews = alert_store.load_reviews(conn, keys)
        for bundle in chunk:
            if bundle.key in reviews:
                found = reviews[bundle.key]
                days, promises = [r.reviewed_on for r in found], [r.promise_to_pay_on for r in found]
                bundle.account = with_reviews(bundle.account, days, promises)
            if bundle.key in statements or bundle.key in covers:
                try:
                    fx = converter(bundle.account, self.policy, self.rates)
                except CreditCoreError:
                    continue  # reported when the account itself is decided
                bundle.account = with_supplements(
                    bundle.account, statements.get(bundle.key, ()), covers.get(bundle.key, ()), now.date(), fx
                )

    def measure_request(
        self, bundle: Bundle, group_base: Decimal | None, now: datetime
    ) -> tuple[str, Decimal, Decimal]:
        """For a new request: the account's currency, base units per unit of it, and the limit the policy grants."""
        fx = converter(bundle.account, self.policy, self.rates)
        group = None if group_base is None else fx.base_to_target(group_base)
        granted = granted_limit(bundle.account, bundle.invoices, bundle.orders, self.policy, now,
                                self.rates, bundle.payments, group)  # fmt: skip
        return fx.target, fx.target_to_base(Decimal(1)), granted

    def measure_account(self, key: Key) -> tuple[str, Decimal, Decimal]:
        """`measure_request` for one stored account, with its group exposure and imports as evaluation sees them."""
        now = self.clock()
        with self.store.read() as conn:
            groups = self._group_exposures(conn, now, [key])
            bundles = load_bundles(conn, [key])
            if not bundles:
                raise ConfigError(f"no account {key[1]!r} in source {key[0]!r} (run sync first)")
            self._supplement(conn, bundles, now)
        return self.measure_request(bundles[0], groups.get(key), now)

    def _writeback_values(self, source: str, decision: Decision) -> dict[str, Any]:
        policy = self.policy
        return {
            crm_field: crm_value(decision, key, max_length=length, policy=policy)
            for key, crm_field, length in self._formats.get(source, ())
        }

    def _plan(self, conn: Connection, source: str, desired: dict[str, dict[str, Any]], now: datetime) -> None:
        settings = self.config.sources[source]
        assert settings.writeback is not None
        daily = {crm_field for key, crm_field in settings.writeback.fields.items() if key in DAILY_KEYS}
        self.report.planned += plan_writes(conn, source, settings.writeback.object, desired, now, daily)

    def _error(self, message: str) -> None:
        self.report.errors += 1
        if len(self.report.error_samples) < _SAMPLES:
            self.report.error_samples.append(message)


def _same_but_time(before: Mapping[str, Any] | None, after: dict[str, Any]) -> bool:
    """Whether two stored decisions differ in nothing but `evaluated_at` (one C-level dict comparison)."""
    if before is None:
        return False
    return {**before, "evaluated_at": after.get("evaluated_at")} == after
