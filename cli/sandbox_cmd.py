"""`crm-credit sandbox CRM`: run one wire-level CRM emulator in the foreground."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, console, emit_json, handle_errors, state

sandbox_app = typer.Typer(help="Run a wire-level CRM emulator in the foreground (for trials and tests).")
app.add_typer(sandbox_app, name="sandbox")

Port = Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")]
Accounts = Annotated[int, typer.Option("--accounts", help="Accounts to generate.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the data generator.")]
TlsDir = Annotated[Path, typer.Option("--tls-dir", help="Where the CA and server certificate are written.")]
DEFAULT_SF_TLS_DIR = Path(tempfile.gettempdir()) / "crm-credit-sandbox-salesforce"
DEFAULT_ZOHO_TLS_DIR = Path(tempfile.gettempdir()) / "crm-credit-sandbox-zoho"
DEFAULT_FX_TLS_DIR = Path(tempfile.gettempdir()) / "crm-credit-sandbox-fxiaoke"


def _announce(name: str, url: str, ca: str, details: dict[str, str]) -> None:
    """Where the sandbox listens and what it accepts: human lines, or one JSON document under --json."""
    if state.json:
        emit_json({"crm": name, "url": url, "ca_bundle": ca, **details})
        sys.stdout.flush()
        return
    out = console()
    out.print(f"{name} sandbox on {url}")
    out.print(f"CA certificate: {ca}  (point `ca_bundle` at it)")
    for key, value in details.items():
        out.print(f"{key.replace('_', ' ')}: {value}", markup=False, soft_wrap=True)
    out.print("Ctrl-C stops it.")


@sandbox_app.command("salesforce")
@handle_errors
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
        creds = box.credentials
        details = {
            "org_id": box.org_id,
            "username": creds.username,
            "password": creds.password,
            "security_token": creds.security_token,
            "consumer_key": creds.consumer_key,
            "consumer_secret": creds.consumer_secret,
            "control_api": f"{box.url}/__sandbox__/info",
        }
        _announce("Salesforce", box.url, str(box.ca_pem), details)

    SalesforceSandbox(accounts=accounts, seed=seed, port=port, tls_dir=tls_dir, api_limit=api_limit).serve_forever(
        ready
    )


@sandbox_app.command("zoho")
@handle_errors
def zoho(port: Port = 0, accounts: Accounts = 200, seed: Seed = 7, tls_dir: TlsDir = DEFAULT_ZOHO_TLS_DIR) -> None:
    """Run the Zoho CRM v8 sandbox (accounts host and API host on one HTTPS origin, notifications)."""
    from sandbox.zoho import ZohoSandbox

    server = ZohoSandbox(accounts=accounts, seed=seed, port=port, tls_dir=tls_dir)
    details = {
        "api_domain": server.url,
        "accounts_url": server.url,
        "client_id": server.client_id,
        "client_secret": f"{server.client_secret}",
        "refresh_token": server.refresh_token,
        "control_api": f"{server.url}/__sandbox__/info",
    }
    _announce("Zoho CRM", server.url, str(server.ca_pem), details)
    server.serve_forever()


@sandbox_app.command("fxiaoke")
@handle_errors
def sandbox_fxiaoke(
    port: Port = 0, accounts: Accounts = 50, seed: Seed = 7, tls_dir: TlsDir = DEFAULT_FX_TLS_DIR
) -> None:
    """Run the Fxiaoke (纷享销客) sandbox: token calls, data query/get/update, describe, custom objects."""
    from sandbox.fxiaoke import FxiaokeSandbox

    fx = FxiaokeSandbox(accounts=accounts, seed=seed, port=port, tls_dir=tls_dir).start()
    details = {
        "app_id": fx.app_id,
        "acting_employee": f"{fx.user_id} (openUserId {fx.open_user_id})",
        "secrets_and_field_names": f"GET {fx.url}/__sandbox__/info",
    }
    try:
        _announce("Fxiaoke", fx.url, str(fx.ca_pem), details)
    except BaseException:
        fx.stop()  # Ctrl-C before `wait` took over must not leave the server thread running
        raise
    fx.wait()
