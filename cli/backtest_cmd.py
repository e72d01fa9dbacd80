"""`crm-credit backtest` and `crm-credit simulate --policy FILE` (DESIGN §4; seed §10, continuous improvement)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.app import EXIT_OK, EXIT_PROBLEMS, app, console, emit_json, handle_errors, state
from cli.audit_cmd import parse_day
from cli.backtest_chart import bad_rate_chart, roc_chart
from cli.store_access import opened_store
from connectors.errors import ConfigError
from credit_core.errors import CreditCoreError
from credit_core.policy import Policy, load_policy
from credit_core.simulation import PolicyDiff
from sync.backtest import BacktestResult, backtest, default_as_of
from sync.simulate import simulate


def _policy(path: str | Path | None) -> Policy:
    try:
        return load_policy(path)
    except CreditCoreError as error:
        raise ConfigError(str(error)) from None


def _as_of_days(values: list[str] | None, today: date, horizon: int) -> list[date]:
    texts = [t.strip() for v in values or () for t in v.split(",") if t.strip()]
    days = [d for t in texts if (d := parse_day(t, "--as-of")) is not None]
    if any(d >= today for d in days):
        raise ConfigError("--as-of: days must lie in the past")
    return days or default_as_of(today, horizon)


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "–" if value is None else format(value, spec)


def _backtest_table(results: list[BacktestResult], version: str) -> Table:
    table = Table(title=f"Backtest of policy {version}", title_justify="left")
    for column in ("as of", "horizon end", "accounts", "bads", "bad rate", "AUC", "Gini", "KS", *"ABCDE"):
        table.add_column(column, justify="left" if " " in column and column != "bad rate" else "right")
    for r in results:
        grades = [f"{_fmt(g.bad_rate, '.1%')} of {g.accounts}" for g in r.by_grade]
        table.add_row(r.as_of.isoformat(), r.horizon_end.isoformat(), str(r.accounts), str(r.bads),
                      _fmt(r.bad_rate, ".1%"), _fmt(r.auc), _fmt(r.gini), _fmt(r.ks), *grades)  # fmt: skip
    return table


@app.command("backtest")
@handle_errors
def backtest_command(
    as_of: Annotated[
        list[str] | None, typer.Option("--as-of", help="Past days, YYYY-MM-DD (comma-separated or repeated).")
    ] = None,
    horizon_months: Annotated[
        int, typer.Option("--horizon-months", min=1, max=36, help="Months to watch for 90+ days past due.")
    ] = 12,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Backtest this policy instead of the live one.")
    ] = None,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Also write the charts as one inline-SVG HTML snippet.")
    ] = None,
) -> None:
    """Score the portfolio as of past days from what was known then; AUC, KS and bad rate by grade."""
    today = datetime.now(UTC).date()
    days = _as_of_days(as_of, today, horizon_months)
    with opened_store() as (config, store):
        policy = _policy(policy_file or config.policy.path())
        results = backtest(store, policy, days, horizon_months, today, config.fx.rates)
    if svg is not None:
        charts = [bad_rate_chart(results), *(roc_chart(r) for r in results)]
        svg.write_text("\n".join(charts) + "\n", encoding="utf-8")
    if state.json:
        emit_json({"policy_version": policy.policy_version, "horizon_months": horizon_months,
                   "results": [r.to_json() for r in results]})  # fmt: skip
    else:
        out = console()
        out.print(_backtest_table(results, policy.policy_version))
        out.print("bad = an invoice more than 90 days past due within the horizon; accounts already that late on "
                  "the as-of day, or without an invoice by then, are left out", markup=False)  # fmt: skip
    raise typer.Exit(EXIT_OK if all(r.accounts for r in results) else EXIT_PROBLEMS)


def _diff_json(diff: PolicyDiff, top: int) -> dict[str, Any]:
    keep = ("accounts", "limits_up", "limits_down", "limits_same", "grade_changes", "status_changes",
            "newly_over_limit", "over_new_limit")  # fmt: skip
    out: dict[str, Any] = {k: getattr(diff, k) for k in keep}
    out |= {"total_limit_before": str(diff.total_limit_before), "total_limit_after": str(diff.total_limit_after),
            "exposure_over_new_limits": str(diff.exposure_over_new_limits)}  # fmt: skip
    out["changes"] = [
        {"source": c.key[0], "crm_id": c.key[1], "limit_before": str(c.limit_before), "limit_after": str(c.limit_after),
         "grade": [c.grade_before, c.grade_after], "status": [c.status_before, c.status_after],
         "exposure": str(c.exposure), "flags_added": list(c.flags_added), "flags_removed": list(c.flags_removed)}
        for c in diff.changes[:top]
    ]  # fmt: skip
    return out


def _print_diff(diff: PolicyDiff, live: Policy, proposed: Policy, top: int) -> None:
    out = console()
    base = live.base_currency
    head = f"{proposed.policy_version} against the live {live.policy_version}, {diff.accounts} accounts:"
    out.print(head, markup=False)
    out.print(f"limits up {diff.limits_up} · down {diff.limits_down} · same {diff.limits_same} · total "
              f"{diff.total_limit_before:,.0f} → {diff.total_limit_after:,.0f} {base}", markup=False)  # fmt: skip
    moves = ", ".join(f"{k} {n}" for k, n in diff.status_changes.items()) or "none"
    out.print(f"grade changes {diff.grade_changes} · status changes: {moves}", markup=False)
    out.print(f"over the new limit {diff.over_new_limit} accounts ({diff.newly_over_limit} newly), "
              f"{diff.exposure_over_new_limits:,.0f} {base} of exposure above it", markup=False)  # fmt: skip
    table = Table(title=f"Largest changes (top {top})", title_justify="left")
    for column in ("source", "crm_id", "limit", "grade", "status", "exposure", "flags"):
        table.add_column(column)
    for c in diff.changes[:top]:
        flags = " ".join([*(f"+{f}" for f in c.flags_added), *(f"-{f}" for f in c.flags_removed)])
        table.add_row(c.key[0], c.key[1], f"{c.limit_before:,.0f} → {c.limit_after:,.0f}",
                      f"{c.grade_before} → {c.grade_after}", f"{c.status_before} → {c.status_after}",
                      f"{c.exposure:,.0f}", flags)  # fmt: skip
    out.print(table)


@app.command("simulate")
@handle_errors
def simulate_command(
    policy_file: Annotated[Path, typer.Option("--policy", help="The proposed policy file.")],
    top: Annotated[int, typer.Option("--top", min=0, help="How many changed accounts to list.")] = 20,
) -> None:
    """What a policy change would do (limits up/down, status changes, exposure over new limits); writes nothing."""
    now = datetime.now(UTC)
    with opened_store() as (config, store):
        live = _policy(config.policy.path())
        proposed = _policy(policy_file)
        diff, errors = simulate(store, live, proposed, now, config.fx.rates)
    if state.json:
        emit_json({"live": live.policy_version, "proposed": proposed.policy_version, "errors": errors,
                   **_diff_json(diff, top)})  # fmt: skip
    else:
        _print_diff(diff, live, proposed, top)
    raise typer.Exit(EXIT_PROBLEMS if errors else EXIT_OK)
