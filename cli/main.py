"""Entry point of the `crm-credit` console script: import every command module, then run."""

from __future__ import annotations

import sys

from cli.app import app, run_app  # noqa: F401  `app` is imported from here by tests and plug-ins

# Each import registers its commands on `app`.
from cli import demo_cmd, init_cmd, report_cmd, sandbox_cmd, serve_cmd, setup_cmd, status_cmd, sync_cmd  # noqa: F401  isort: skip
from cli import alerts_cmd, audit_cmd, backtest_cmd, import_cmd, requests_cmd, scorecard_cmd  # noqa: F401  isort: skip


def run() -> None:
    """Run the CLI with global flags accepted anywhere on the command line."""
    sys.exit(run_app(sys.argv[1:]))


if __name__ == "__main__":
    run()
