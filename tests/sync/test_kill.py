"""kill -9 during a real `sync` subprocess, then run again: the result equals an uninterrupted sync."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sync.store import Store
from tests.fakes.fake_crm import FakeCrm
from tests.sync import snapshots
from tests.sync.builders import WRITEBACK, account, invoice

Target = tuple[Store, str, str | None]
ROOT = Path(__file__).absolute().parents[2]


def _seed(path: Path) -> None:
    crm = FakeCrm(path=path)
    for a in range(7):
        account(crm, f"A{a}", name=f"Customer {a}", parent="A0" if a in (3, 4) else None)
        for i in range(3):
            late = {"Due__c": "2026-10-05"} if (a + i) % 4 == 0 else {}
            invoice(crm, f"I{a}-{i}", f"A{a}", amount=str(500 * (i + 1) + a), **late)
        crm.tick()
    crm.tick(60)
    crm.save()


def _child(crm: Path, target: Target, phase: str, n: int) -> subprocess.Popen[str]:
    _store, url, schema = target
    command = [sys.executable, "-m", "tests.fakes.sync_child", str(crm), url, schema or "-", phase, str(n)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "CI": ""})


def _run_to_end(crm: Path, target: Target) -> None:
    child = _child(crm, target, "none", 0)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0 and "DONE" in out, out


def _kill_at(crm: Path, target: Target, phase: str, n: int) -> None:
    child = _child(crm, target, phase, n)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "WAITING", f"the child never reached {phase} {n}: {line!r}"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def _crm_state(path: Path) -> tuple[dict[str, dict[str, object]], list[tuple[str, str, str]]]:
    crm = FakeCrm.load(path)
    fields = list(WRITEBACK.values())
    final = {i: {f: row.get(f) for f in fields} for i, row in crm.objects["Account"].items()}
    writes = [(w["crm_id"], f, v) for w in crm.writes for f, v in w["values"].items()]
    return final, writes


@pytest.mark.parametrize(
    ("phase", "n"),
    [
        ("pull", 4),
        pytest.param("pull", 17, marks=pytest.mark.slow),
        ("evaluate", 1),
        ("push", 1),
        pytest.param("push", 2, marks=pytest.mark.slow),
    ],
)
def test_kill_9_then_rerun_ends_like_an_uninterrupted_sync(
    store_target: Target, tmp_path: Path, phase: str, n: int
) -> None:
    store = store_target[0]
    initial, crm = tmp_path / "initial.json", tmp_path / "crm.json"
    _seed(initial)
    shutil.copy(initial, crm)
    _run_to_end(crm, store_target)
    clean = (snapshots.records(store), snapshots.decisions_without_time(store), _crm_state(crm)[0])
    assert clean[1], "the clean run decided nothing"

    snapshots.wipe(store)
    shutil.copy(initial, crm)
    _kill_at(crm, store_target, phase, n)
    _run_to_end(crm, store_target)
    final, writes = _crm_state(crm)
    assert (snapshots.records(store), snapshots.decisions_without_time(store), final) == clean
    assert len(writes) == len(set(writes)), "a value reached the CRM twice"
    pending = [row for row in snapshots.outbox_states(store) if row[1] != "sent"]
    assert pending == [], json.dumps(pending)
