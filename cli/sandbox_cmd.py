"""`crm-credit sandbox CRM`: run one wire-level CRM emulator in the foreground."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import app, console

sandbox_app = typer.Typer(help="Run a wire-level CRM emulator in the foreground (for trials and tests).")
app.add_typer(sandbox_app, name="sandbox")

Port = Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")]
Accounts = Annotated[int, typer.Option("--accounts", help="Accounts to generate.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the data generator.")]


def _announce(name: str, url: str, ca: str) -> None:
    out = console()
    out.print(f"{name} sandbox on {url}")
    out.print(f"CA certificate: {ca}  (point `ca_bundle` at it)")
    out.print("Ctrl-C stops it.")
