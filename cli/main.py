"""Entry point of the `crm-credit` console script: import every command module, then run."""

from __future__ import annotations

import sys

from cli.app import app, normalise_argv

# Each import registers its commands on `app`.
from cli import sandbox_cmd, serve_cmd, setup_cmd, status_cmd, sync_cmd  # noqa: F401  isort: skip
from cli import audit_cmd, backtest_cmd, import_cmd, scorecard_cmd  # noqa: F401  isort: skip


def run() -> None:
    """Run the CLI with global flags accepted anywhere on the command line."""
    app(args=normalise_argv(sys.argv[1:]), prog_name="crm-credit")


if __name__ == "__main__":
    run()
