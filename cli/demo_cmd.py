"""`crm-credit demo`: the whole cycle against sandbox CRMs on this machine, no config and no setup."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.app import EXIT_OK, EXIT_PROBLEMS, app, console, emit_json, handle_errors, state
from cli.demo_run import DEMO_USER, Demo, DemoOptions, DemoResult


def _keep_running(demo: Demo) -> None:
    """Print where everything is and wait for Ctrl-C."""
    out = console()
    result = demo.result
    if state.json:
        emit_json(_result_json(result))
    out.print("\nStill running (Ctrl-C stops everything and removes the temporary folder):", markup=False)
    for s in demo.sources:
        out.print(f"  {s.label} sandbox: {s.box.url}  (control API {s.box.url}/__sandbox__/info)", markup=False)
    if result.receiver_url:
        out.print(f"  crm-credit serve: {result.receiver_url}  (OpenAPI {result.receiver_url}/docs)", markup=False)
        out.print(f"  admin pages: {result.receiver_url}/admin  user {DEMO_USER}, token {result.token}", markup=False)
        out.print(f"  a limit request waits for {DEMO_USER} at {result.receiver_url}/admin/requests", markup=False)
    out.print(f"  config: {result.config_path}  (try: crm-credit --config {result.config_path} status)", markup=False)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.print("stopping", markup=False)


def _result_json(result: DemoResult) -> dict[str, Any]:
    return {
        "folder": str(result.folder),
        "config": str(result.config_path),
        "sources": result.sources,
        "sync": result.sync,
        "change": result.change,
        "requests": result.requests,
        "report": str(result.report_path) if result.report_path else None,
        "portfolio": result.report.to_json() if result.report else None,
        "receiver": result.receiver_url,
        "user": DEMO_USER,
        "token": result.token,
        "timings_s": result.timings,
        "problems": result.problems,
    }


@app.command("demo")
@handle_errors
def demo_command(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Leave the sandboxes and serve up; print their URLs and a token.")
    ] = False,
    accounts: Annotated[int, typer.Option("--accounts", min=10, help="Salesforce customers to generate.")] = 2000,
    report: Annotated[Path, typer.Option("--report", help="Where to write the HTML report.")] = Path(
        "crm-credit-report.html"
    ),
) -> None:
    """Start sandbox CRMs with seeded data, run the full cycle, fire a CRM change, write crm-credit-report.html."""
    out = console()
    out.print(f"crm-credit demo: sandbox CRMs on this machine with {accounts:,} Salesforce customers", markup=False)
    demo = Demo(DemoOptions(accounts=accounts, keep_running=keep_running, report_path=report, bars=not state.json), out)
    try:
        result = demo.run(_keep_running if keep_running else None)
    finally:
        demo.close()
    if state.json and not keep_running:
        emit_json(_result_json(result))
    for problem in result.problems:
        out.print(f"problem: {problem}", markup=False)
    out.print(f"demo finished: the cycle took {result.timings['total']:.1f} s", markup=False)
    raise typer.Exit(EXIT_PROBLEMS if result.problems else EXIT_OK)
