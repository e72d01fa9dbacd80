"""`crm-credit scorecard train --out FILE`: the trainable scorecard (extra `[scorecard]`), as a policy file.

Trains on backtest cases from the store, then writes the live policy with its `[scorecard.*]` tables
replaced by the fitted ones. Nothing goes live: check the file with `backtest --policy` (on other
as-of days than it was trained on) and `simulate --policy`, then point `[policy] file` at it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, console, emit_json, handle_errors, state
from cli.backtest_cmd import _as_of_days, _policy
from cli.store_access import opened_store
from connectors.errors import ConfigError
from credit_core.policy import default_policy_text, parse_policy
from credit_core.validation import auc
from sync.backtest import backtest

scorecard_app = typer.Typer(help="The optional trainable scorecard (pip install 'crm-credit[scorecard]').")
app.add_typer(scorecard_app, name="scorecard")


@scorecard_app.command("train")
@handle_errors
def train_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the trained policy (TOML).")],
    as_of: Annotated[
        list[str] | None, typer.Option("--as-of", help="Past days to learn from (default: 12 months ago).")
    ] = None,
    horizon_months: Annotated[int, typer.Option("--horizon-months", min=1, max=36)] = 12,
    min_bads: Annotated[int, typer.Option("--min-bads", min=10, help="Refuse to train on fewer bad outcomes.")] = 100,
) -> None:
    """Fit WoE bins + logistic regression on the store's history; write it as a policy file to check and adopt."""
    try:
        from scorecard.fit import auc_of, stratified_split
        from scorecard.to_policy import NotEnoughHistory, history_frame, policy_tables, train, trained_policy_text
    except ImportError as error:
        raise ConfigError(f"scorecard: {error.name} is not installed (pip install 'crm-credit[scorecard]')") from None
    today = datetime.now(UTC).date()
    days = _as_of_days(as_of, today, horizon_months)
    with opened_store() as (config, store):
        live_file = config.policy.path()
        live = _policy(live_file)
        results = backtest(store, live, days, horizon_months, today, config.fx.rates)
    cases = [case for result in results for case in result.cases]
    frame = history_frame(cases)
    try:
        fitting, holdout = stratified_split(frame, "bad")
        model = train(fitting, min_bads=int(min_bads * 0.7))
    except (NotEnoughHistory, ValueError) as error:
        raise ConfigError(f"scorecard: {error}") from None
    base_text = Path(live_file).read_text(encoding="utf-8") if live_file else default_policy_text()
    text = trained_policy_text(base_text, policy_tables(model), f"{live.version}-trained")
    trained = parse_policy(text, str(out))  # the file must be a valid policy before it is written
    out.write_text(text, encoding="utf-8")
    held = set(holdout.index)
    expert = auc([(float(c.decision.score), c.bad) for i, c in enumerate(cases) if i in held])
    figures = {"cases": len(cases), "bads": int(frame["bad"].sum()), "variables": model.variables,
               "holdout_auc_model": round(auc_of(model, holdout), 4),
               "holdout_auc_live_policy": None if expert is None else round(expert, 4),
               "policy_version": trained.policy_version, "out": str(out)}  # fmt: skip
    if state.json:
        emit_json(figures)
        return
    console().print(
        f"trained on {figures['cases']} cases ({figures['bads']} bad) from {', '.join(d.isoformat() for d in days)}; "
        f"30 % holdout AUC {figures['holdout_auc_model']} (live policy {figures['holdout_auc_live_policy']}); "
        f"wrote {out} ({trained.policy_version})",
        markup=False,
    )
