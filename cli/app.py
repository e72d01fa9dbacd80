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
from credit_core.errors import CreditCoreError, MissingRateError, PolicyError

try:  # newer Typer releases carry their own copy of Click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer on the real Click
    from click import exceptions as click_errors  # type: ignore[no-redef]

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


def exit_code_of(exc: BaseException) -> int:
    """2 for what a person must fix in the config or policy, 1 for a run that met a problem."""
    if isinstance(exc, ConfigError | PolicyError | MissingRateError):
        return EXIT_USAGE
    return EXIT_PROBLEMS


def report_error(exc: BaseException, code: int) -> None:
    """One line on stderr (and, under --json, an error document on stdout)."""
    known = isinstance(exc, CrmCreditError | CreditCoreError)
    first_line = (str(exc).strip().splitlines() or [""])[0]
    message = first_line if known else f"unexpected {type(exc).__name__}: {first_line} (--debug shows the traceback)"
    err_console.print(f"error: {message}", markup=False, soft_wrap=True)
    if state.json:
        emit_json({"error": {"type": type(exc).__name__, "message": message, "exit_code": code}})


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn any error into one stderr line and the documented exit code (the traceback only with --debug)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, click_errors.ClickException):
            raise
        except Exception as exc:
            if state.debug:
                raise
            code = exit_code_of(exc)
            report_error(exc, code)
            raise typer.Exit(code) from None

    return wrapper


def run_app(argv: list[str]) -> int:
    """Run the CLI and return its exit code; usage errors are one line too (exit 2)."""
    try:
        result = app(args=normalise_argv(argv), prog_name="crm-credit", standalone_mode=False)
    except click_errors.ClickException as exc:
        if isinstance(exc, getattr(click_errors, "NoArgsIsHelpError", ())):
            exc.show()  # `crm-credit` alone prints the help
            return exc.exit_code
        hint = f" (try '{exc.ctx.command_path} --help')" if isinstance(exc, click_errors.UsageError) and exc.ctx else ""
        err_console.print(f"error: {exc.format_message()}{hint}", markup=False, soft_wrap=True)
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted", markup=False)
        return 130
    return result if isinstance(result, int) else EXIT_OK


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
