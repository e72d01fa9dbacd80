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


@sandbox_app.command("fxiaoke")
def sandbox_fxiaoke(port: Port = 0, accounts: Accounts = 50, seed: Seed = 7) -> None:
    """Serve a seeded Fxiaoke (纷享销客) tenant: token, data query/get/update, describe, custom objects."""
    from sandbox.fxiaoke import FxiaokeSandbox

    fx = FxiaokeSandbox(accounts=accounts, seed=seed, port=port).start()
    _announce("Fxiaoke", fx.url, str(fx.ca_pem))
    out = console()
    out.print(f"app_id {fx.app_id}, acting employee {fx.user_id} (openUserId {fx.open_user_id})")
    out.print(f"app secret, permanent code and generated field names: GET {fx.url}/__sandbox__/info")
    fx.wait()
