"""The Typer application and the conventions every command shares (DESIGN §4).

`--config`, `--json` and `--debug` are global and may stand before or after the subcommand;
`run()` moves them to the front before Typer parses. Errors are one line on stderr (tracebacks
only with `--debug`); exit 0 ok, 1 the run finished with problems, 2 bad usage or config.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from connectors.errors import ConfigError, CrmCreditError

app = typer.Typer(
    name="crm-credit",
    help="B2B trade credit inside your CRM: score, limit, terms, monitoring, write-back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
GLOBAL_FLAGS = ("--json", "--debug")


@dataclass
class Globals:
    """The global options, as parsed for this invocation."""

    config: Path | None = None
    json: bool = False
    debug: bool = False

    def config_path(self) -> Path:
        """The config file: `--config`, else `CRM_CREDIT_CONFIG`, else ./crm-credit.toml."""
        if self.config is not None:
            return self.config
        return Path(os.environ.get("CRM_CREDIT_CONFIG", "crm-credit.toml"))


state = Globals()
err_console = Console(stderr=True, highlight=False)


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option("--config", help="Path of crm-credit.toml.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """B2B trade credit inside your CRM."""
    state.config, state.json, state.debug = config, json_out, debug


def console() -> Console:
    """Where human output goes: stdout normally, stderr under --json (stdout is for JSON only)."""
    return Console(stderr=state.json, highlight=False)


def emit_json(value: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(value, default=str, ensure_ascii=False, indent=2) + "\n")


P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn crm-credit errors into one stderr line and the documented exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CrmCreditError as exc:
            if state.debug:
                raise
            err_console.print(f"error: {exc}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_PROBLEMS) from None

    return wrapper


def normalise_argv(argv: list[str]) -> list[str]:
    """Move global flags (and `--config PATH`) written after the subcommand to the front."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_FLAGS or arg.startswith("--config="):
            front.append(arg)
        elif arg == "--config" and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest
