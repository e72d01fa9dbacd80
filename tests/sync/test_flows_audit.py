"""The decision log: every logged decision re-runs to the same result; export; purge keeps what audit needs."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from sync.audit_log import iter_audit, reproduce, write_export
from sync.imports import Importer
from sync.retention import purge, retention_floor
from sync.store import Store
from sync.store.schema import audit, audit_inputs, decision_history, policy_versions
from tests.credit_core.builders import invoice, open_invoice, paid_history, solid_account
from tests.sync.flows import NOW, config, evaluate, put, write_csv


def decision_rows(store: Store, crm_id: str | None = None) -> list[sa.Row[tuple[int, str, str, str]]]:
    query = sa.select(audit.c.id, audit.c.crm_id, audit.c.at, audit.c.actor).where(audit.c.event == "decision")
    if crm_id is not None:
        query = query.where(audit.c.crm_id == crm_id)
    with store.read() as conn:
        return list(conn.execute(query.order_by(audit.c.id)))


def test_every_logged_decision_reproduces_exactly_from_its_row(store: Store, tmp_path: Path) -> None:
    put(store, [solid_account("A1", parent_crm_id="P1"), solid_account("P1"),
                *paid_history(6, prefix="a", account_id="A1"), open_invoice("o1", 45, account_id="P1")])  # fmt: skip
    cfg = config("sqlite://", fx={"rates": {"EUR": "1.08"}})
    Importer(store, ["sf"], lambda: NOW).run(
        "insurance", write_csv(tmp_path / "c.csv", "source,crm_id,amount", "sf,A1,20000")
    )
    evaluate(cfg, store)
    put(store, [open_invoice("a-late", 70, account_id="A1", as_of=date(2027, 1, 20))])
    evaluate(cfg, store, NOW + timedelta(days=53), trigger="webhook")
    rows = decision_rows(store)
    assert len(decision_rows(store, "A1")) == 2  # the second one has a previous decision and a group
    for row in rows:
        result = reproduce(store, row.id)
        assert result.same, result.differences
    assert reproduce(store, rows[-1].id).again["flags"] == json.loads(_after(store, rows[-1].id))["flags"]


def _after(store: Store, audit_id: int) -> str:
    with store.read() as conn:
        return str(conn.execute(sa.select(audit.c.after).where(audit.c.id == audit_id)).scalar_one())


def test_a_changed_policy_or_input_shows_as_a_difference(store: Store) -> None:
    put(store, [solid_account("A1"), *paid_history(6, prefix="a", account_id="A1")])
    evaluate(config("sqlite://"), store)
    [row] = decision_rows(store)
    with store.write() as conn:
        content = json.loads(conn.execute(sa.select(policy_versions.c.content)).scalar_one())
        content["neutral_score"] = 20
        conn.execute(sa.update(policy_versions).values(content=json.dumps(content)))
    result = reproduce(store, row.id)
    assert not result.same
    assert result.differences["score"][1] == result.differences["score"][0] - 30


def test_export_gives_each_decision_with_digest_policy_actor_and_diff(store: Store) -> None:
    put(store, [solid_account("A1"), *paid_history(6, prefix="a", account_id="A1")])
    evaluate(config("sqlite://"), store)
    put(store, [open_invoice("late", 40, account_id="A1", as_of=date(2026, 12, 28))])
    evaluate(config("sqlite://"), store, NOW + timedelta(days=30), trigger="user")
    with store.read() as conn:
        everything = list(iter_audit(conn))
        recent = list(iter_audit(conn, since=date(2026, 12, 1)))
        out = io.StringIO()
        assert write_export(iter_audit(conn), out, "csv") == 2
    assert [r["trigger"] for r in everything] == ["sync", "user"]
    assert [r["id"] for r in recent] == [everything[1]["id"]]
    second = everything[1]
    assert second["inputs_digest"] and second["policy_version"].startswith("2026.1+")
    assert "PAST_DUE_30" in second["diff"]["flags"][1] and "flags" in second["changed"]
    header = out.getvalue().splitlines()[0]
    assert header == "id,at,source,crm_id,event,trigger,actor,policy_version,inputs_digest,changed,diff,before,after"


def test_purge_keeps_the_retention_years_and_the_latest_decision_of_each_account(store: Store) -> None:
    put(store, [solid_account("A1"), solid_account("B1")])
    cfg = config("sqlite://")
    for year in (2019, 2021):
        day = date(year, 6, 1)
        put(store, [invoice(f"a{year}", account_id="A1", paid_days_late=0, as_of=day),
                    invoice(f"b{year}", account_id="B1", paid_days_late=0, as_of=day)])  # fmt: skip
        evaluate(cfg, store, NOW.replace(year=year, month=6, day=1))
    put(store, [open_invoice("a-now", 45, account_id="A1")])
    put(store, [solid_account("B1")], deleted=True)  # a customer gone from the CRM: its last decision is old
    evaluate(cfg, store)
    a_rows, b_rows = decision_rows(store, "A1"), decision_rows(store, "B1")
    assert [r.at[:4] for r in a_rows] == ["2019", "2021", "2026"]
    assert [r.at[:4] for r in b_rows] == ["2019", "2021"]

    report = purge(store, before=date(2026, 1, 1), today=NOW.date(), retention_years=3)

    assert report.cutoff == retention_floor(NOW.date(), 3) == date(2023, 11, 28) and report.clamped
    assert [r.id for r in decision_rows(store, "A1")] == [a_rows[-1].id]
    assert [r.id for r in decision_rows(store, "B1")] == [b_rows[-1].id]  # old, but B1's latest
    assert report.audit_rows == 3
    with store.read() as conn:
        kept = set(conn.execute(sa.select(audit.c.inputs_digest)).scalars())
        assert set(conn.execute(sa.select(audit_inputs.c.digest)).scalars()) == kept
        assert conn.execute(sa.select(sa.func.count()).select_from(decision_history)).scalar_one() == 2
    assert reproduce(store, b_rows[-1].id).same  # what is kept still reproduces


def test_a_dry_run_counts_and_deletes_nothing(store: Store) -> None:
    put(store, [solid_account("A1"), invoice("a1", account_id="A1", paid_days_late=0, as_of=date(2019, 6, 1))])
    evaluate(config("sqlite://"), store, NOW.replace(year=2019, month=6, day=1))
    put(store, [open_invoice("a-now", 45, account_id="A1")])
    evaluate(config("sqlite://"), store)
    report = purge(store, before=date(2026, 1, 1), today=NOW.date(), retention_years=3, dry_run=True)
    assert report.audit_rows == 1
    assert len(decision_rows(store, "A1")) == 2
