"""Crash-resume scenarios: a sandbox org, a store, and `crm-credit sync` killed at a step, then run again.

A scenario compares what an interrupted-and-resumed sync leaves behind (store rows, decisions without
`evaluated_at`, outbox, the CRM's write-back values) with an uninterrupted sync over an identical
org (same seed), and reads the org's own change feed to see how often each account was written: every
API update commits a change there, even one that sets the values an account already holds (Fxiaoke has
no such feed, so its tenant's customer updates are counted as they commit).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.zoho.org import Change
from tests.connectors.contract.harness_fxiaoke import FxiaokeHarness
from tests.connectors.contract.harness_salesforce import SalesforceHarness
from tests.connectors.contract.harness_zoho import ZohoHarness
from tests.reliability.conftest import StoreTarget, write_config
from tests.sync import snapshots

ROOT = Path(__file__).absolute().parents[2]
PHASES = ("pull", "evaluate", "push")
CHECKPOINT_EVERY = 25  # a dozen pull commits even for a small portfolio
CHILD_TIMEOUT_S = 240
ROOMY_RATE = 10_000  # Fxiaoke calls per 20 s window, tenant and client alike
WRITE_METHODS = ("PATCH", "PUT")  # Salesforce Collections, Zoho updates
FXIAOKE_WRITE = "/data/update"  # every Fxiaoke call is a POST: its path tells the write
Harness = SalesforceHarness | ZohoHarness | FxiaokeHarness
HARNESSES: dict[str, type[Harness]] = {"salesforce": SalesforceHarness, "zoho": ZohoHarness, "fxiaoke": FxiaokeHarness}


@dataclass(frozen=True)
class KillPoint:
    """Where the child dies: at step `n` (1-based) of `phase`."""

    phase: str
    n: int

    def __str__(self) -> str:
        return f"{self.phase}:{self.n}"


@dataclass
class Result:
    """What a scenario left behind, in comparable form."""

    records: dict[str, set[tuple[Any, ...]]]
    decisions: dict[tuple[str, str], dict[str, Any]]
    outbox: dict[str, tuple[str, str]]  # account -> (state, values) of its newest row
    crm_values: dict[str, dict[str, Any]]  # account -> write-back fields as the CRM holds them
    writes: Counter[str]  # account -> API updates the CRM committed
    trace: list[str]  # the last child's steps in order, as `phase kind`

    @property
    def steps(self) -> Counter[str]:
        """Steps per phase."""
        return Counter(line.split()[0] for line in self.trace if line != "KILLED")

    def write_answered(self) -> KillPoint:
        """The push step right after the CRM answered the first write: applied, but never recorded."""
        push = [line for line in self.trace if line.startswith("push ")]
        first = next(i for i, line in enumerate(push) if _is_write(line))
        return KillPoint("push", first + 1)


def _is_write(line: str) -> bool:
    """A step line (`phase http METHOD PATH`) of an API write."""
    words = line.split()
    return words[1:2] == ["http"] and (words[2] in WRITE_METHODS or words[3].endswith(FXIAOKE_WRITE))


def choose_points(seed: int, steps: Counter[str], per_phase: dict[str, int]) -> list[KillPoint]:
    """Distinct kill points drawn by a seeded RNG, `per_phase[phase]` of them in each phase."""
    rng = random.Random(seed)
    points: list[KillPoint] = []
    for phase, count in per_phase.items():
        available = range(1, steps[phase] + 1)
        assert len(available) >= count, f"the {phase} phase has only {steps[phase]} steps"
        points += [KillPoint(phase, n) for n in sorted(rng.sample(available, count))]
    return points


def _trace(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines()


class Scenario:
    """One org of a CRM (fresh, from `seed`) and one store, synced by child processes."""

    def __init__(self, crm: str, folder: Path, target: StoreTarget, accounts: int, seed: int) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.target = target
        self.crm: Harness = HARNESSES[crm](accounts, seed=seed)
        self._counted_writes: Counter[str] = Counter()
        table = {**self.crm.source_table(), "checkpoint_every": CHECKPOINT_EVERY}
        if isinstance(self.crm, ZohoHarness):
            self.crm.box.org.listeners.append(self._on_zoho_change)
        elif isinstance(self.crm, FxiaokeHarness):
            self._count_fxiaoke_updates(self.crm)
            # One update per customer: 120 of them would wait out the 100 calls / 20 s window in every
            # child (21 s a sync, not 1), and pacing is not what these scenarios are about.
            self.crm.fx.window.limit = table["rate_limit"] = ROOMY_RATE
        self.config = write_config(folder / "crm-credit.toml", target.url, table)
        self.log = folder / "steps.log"

    def _on_zoho_change(self, change: Change) -> None:
        if change.module == "Accounts" and change.operation == "update":
            self._counted_writes.update(str(i) for i in change.ids)

    def _count_fxiaoke_updates(self, crm: FxiaokeHarness) -> None:
        """Fxiaoke keeps no change feed the API could read: count the tenant's customer updates as they
        commit (nobody edits customers by hand in these scenarios, so each is an API write)."""
        tenant = crm.fx.tenant
        update = tenant.update

        def counted(api_name: str, object_id: str, *args: Any, **kwargs: Any) -> None:
            update(api_name, object_id, *args, **kwargs)
            if api_name == "AccountObj":
                self._counted_writes[object_id] += 1

        tenant.update = counted  # type: ignore[method-assign]

    def writes(self) -> Counter[str]:
        """API updates the org committed, by account."""
        if not isinstance(self.crm, SalesforceHarness):
            return Counter(self._counted_writes)
        changes = self.crm.box.changes
        return Counter(c.record_id for c in changes if c.sobject == "Account" and c.kind == "update")

    def sync(self, point: KillPoint | None = None) -> subprocess.CompletedProcess[str]:
        """One `crm-credit sync` in a child; with a point, it must die there."""
        self.log.write_text("", encoding="utf-8")
        where = str(point) if point else "none:0"
        command = [sys.executable, "-m", "tests.reliability.crash_child", str(self.config), where, str(self.log)]
        env = {**os.environ, "CI": ""}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
        killed = "KILLED" in _trace(self.log)
        if point is None:
            assert done.returncode == 0, f"the sync ended with {done.returncode}: {done.stdout[-2000:]}{done.stderr}"
        else:
            assert killed and done.returncode == -9, f"the child never reached {point}: {done.stderr[-2000:]}"
        return done

    def result(self) -> Result:
        """What the store and the org hold now."""
        store = self.target.open()
        try:
            newest: dict[str, tuple[str, str]] = {}
            for crm_id, state, values in snapshots.outbox_states(store):
                newest[crm_id] = (state, values)
            records, decisions = snapshots.records(store), snapshots.decisions_without_time(store)
        finally:
            store.close()
        crm_values = {i: _plain(self.crm.written(i)) for i in self.crm.live_ids("account")}
        return Result(records, decisions, newest, crm_values, self.writes(), _trace(self.log))

    def close(self) -> None:
        """Stop the org."""
        self.crm.close()


def _plain(value: object) -> Any:
    return json.loads(json.dumps(value, default=str))


@contextmanager
def scenario(crm: str, folder: Path, target: StoreTarget, accounts: int, seed: int) -> Iterator[Scenario]:
    """A started scenario, stopped afterwards."""
    opened = Scenario(crm, folder, target, accounts, seed)
    try:
        yield opened
    finally:
        opened.close()


def uninterrupted(crm: str, folder: Path, target: StoreTarget, accounts: int, seed: int) -> Result:
    """The reference: one sync that runs to the end."""
    with scenario(crm, folder, target, accounts, seed) as clean:
        clean.sync()
        return clean.result()


def interrupted(crm: str, folder: Path, target: StoreTarget, accounts: int, seed: int, *points: KillPoint) -> Result:
    """A sync killed at the first point, the next sync killed at the second (if any)…, then one run to the end."""
    with scenario(crm, folder, target, accounts, seed) as crashed:
        for point in points:
            crashed.sync(point)
        crashed.sync()
        return crashed.result()


def early_point(rng: random.Random) -> KillPoint:
    """A point every sync reaches, even one resuming a killed run: one of the first steps of a phase."""
    return KillPoint(rng.choice(PHASES), rng.randint(1, 2))


def assert_same_end(point: KillPoint | str, clean: Result, resumed: Result) -> None:
    """The resumed run ended where the clean one did, and wrote no account more often than it needed."""
    assert resumed.records == clean.records, f"{point}: stored records differ"
    assert resumed.decisions == clean.decisions, f"{point}: decisions differ"
    assert {k: v[1] for k, v in resumed.outbox.items()} == {k: v[1] for k, v in clean.outbox.items()}, point
    assert {state for state, _values in resumed.outbox.values()} == {"sent"}, f"{point}: {resumed.outbox}"
    assert resumed.crm_values == clean.crm_values, f"{point}: the CRM holds other values"
    # An in-flight write is reconciled by reading the account back, so even a write whose outcome
    # was unknown is never sent again once it landed: every account is written exactly as often.
    twice = {crm_id: n for crm_id, n in resumed.writes.items() if n > clean.writes[crm_id]}
    assert not twice, f"{point}: accounts written more often than in the clean run: {twice}"
