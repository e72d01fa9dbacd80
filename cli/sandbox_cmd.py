"""`crm-credit sandbox CRM`: run one wire-level CRM emulator in the foreground."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, console

sandbox_app = typer.Typer(help="Run a wire-level CRM emulator in the foreground (for trials and tests).")
app.add_typer(sandbox_app, name="sandbox")

Port = Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")]
Accounts = Annotated[int, typer.Option("--accounts", help="Accounts to generate.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the data generator.")]
TlsDir = Annotated[Path, typer.Option("--tls-dir", help="Where the CA and server certificate are written.")]
DEFAULT_SF_TLS_DIR = Path(tempfile.gettempdir()) / "crm-credit-sandbox-salesforce"
DEFAULT_ZOHO_TLS_DIR = Path(tempfile.gettempdir()) / "crm-credit-sandbox-zoho"
DEFAULT_FX_TLS_DIR = Path(tempfile.gettempdir()) / "crm-credit-sandbox-fxiaoke"


def _announce(name: str, url: str, ca: str) -> None:
    out = console()
    out.print(f"{name} sandbox on {url}")
    out.print(f"CA certificate: {ca}  (point `ca_bundle` at it)")
    out.print("Ctrl-C stops it.")


@sandbox_app.command("salesforce")
def salesforce(
    port: Port = 0,
    accounts: Accounts = 50,
    seed: Seed = 7,
    tls_dir: TlsDir = DEFAULT_SF_TLS_DIR,
    api_limit: Annotated[int, typer.Option("--api-limit", help="Daily API request allowance.")] = 100_000,
) -> None:
    """Run the Salesforce sandbox (SOAP/OAuth login, REST, Bulk 2.0, Tooling, Outbound Messages)."""
    from sandbox.salesforce import SalesforceSandbox

    def ready(box: SalesforceSandbox) -> None:
        _announce("Salesforce", box.url, str(box.ca_pem))
        creds = box.credentials
        out = console()
        out.print(
            f"org id {box.org_id}; username {creds.username}; password {creds.password}; "
            f"security token {creds.security_token}",
            markup=False,
        )
        out.print(
            f"consumer key {creds.consumer_key}; consumer secret {creds.consumer_secret}; "
            f"control API {box.url}/__sandbox__/info",
            markup=False,
        )

    SalesforceSandbox(accounts=accounts, seed=seed, port=port, tls_dir=tls_dir, api_limit=api_limit).serve_forever(
        ready
    )


@sandbox_app.command("zoho")
def zoho(port: Port = 0, accounts: Accounts = 200, seed: Seed = 7, tls_dir: TlsDir = DEFAULT_ZOHO_TLS_DIR) -> None:
    """Run the Zoho CRM v8 sandbox (accounts host and API host on one HTTPS origin, notifications)."""
    from sandbox.zoho import ZohoSandbox

    server = ZohoSandbox(accounts=accounts, seed=seed, port=port, tls_dir=tls_dir)
    _announce("Zoho CRM", server.url, str(server.ca_pem))
    out = console()
    out.print(f"api_domain = accounts_url = {server.url}", soft_wrap=True)
    out.print(f"client_id = {server.client_id}", soft_wrap=True)
    out.print(f"client_secret = {server.client_secret}  (sandbox-only credentials)", soft_wrap=True)
    out.print(f"refresh_token = {server.refresh_token}", soft_wrap=True)
    out.print(f"control API: {server.url}/__sandbox__/info", soft_wrap=True)
    server.serve_forever()


@sandbox_app.command("fxiaoke")
def sandbox_fxiaoke(
    port: Port = 0, accounts: Accounts = 50, seed: Seed = 7, tls_dir: TlsDir = DEFAULT_FX_TLS_DIR
) -> None:
    """Run the Fxiaoke (纷享销客) sandbox: token calls, data query/get/update, describe, custom objects."""
    from sandbox.fxiaoke import FxiaokeSandbox

    fx = FxiaokeSandbox(accounts=accounts, seed=seed, port=port, tls_dir=tls_dir).start()
    _announce("Fxiaoke", fx.url, str(fx.ca_pem))
    out = console()
    out.print(f"app_id {fx.app_id}, acting employee {fx.user_id} (openUserId {fx.open_user_id})")
    out.print(f"app secret, permanent code and generated field names: GET {fx.url}/__sandbox__/info")
    fx.wait()
