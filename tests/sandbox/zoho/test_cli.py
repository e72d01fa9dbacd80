"""`crm-credit sandbox zoho` is registered with its options."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import app


def test_sandbox_zoho_command_takes_port_accounts_and_seed() -> None:
    """DESIGN §4: `sandbox salesforce|zoho|fxiaoke [--port --accounts N]`."""
    result = CliRunner().invoke(app, ["sandbox", "zoho", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--accounts" in result.output and "--seed" in result.output
