"""Every command speaks the same way when something goes wrong (DESIGN §4): one line, exit 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.app import EXIT_PROBLEMS, EXIT_USAGE, app, handle_errors, run_app
from cli.main import run  # noqa: F401  registers every command


def test_a_usage_error_is_one_line_on_stderr_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["sync", "--no-such-option"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No such option: --no-such-option" in err and "crm-credit sync --help" in err


def test_an_unknown_command_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_app(["frobnicate"]) == EXIT_USAGE
    assert "No such command" in capsys.readouterr().err


def test_a_missing_config_is_exit_2_and_under_json_an_error_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_app(["status", "--json", "--config", str(tmp_path / "none.toml")]) == EXIT_USAGE
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error == {"type": "ConfigError", "message": f"{tmp_path / 'none.toml'}: config file not found",
                     "exit_code": 2}  # fmt: skip
    assert captured.err.count("\n") == 1


def test_a_bad_policy_file_is_exit_2_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "policy.toml").write_text('version = "x"\nbase_currency = "XXX"\n')
    config = tmp_path / "crm-credit.toml"
    config.write_text(
        '[policy]\nfile = "policy.toml"\n[sources.sf]\nkind = "salesforce"\n'
        '[sources.sf.auth]\nmethod = "session"\nsession_id = "s"\n'
    )
    assert run_app(["--config", str(config), "evaluate"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "base_currency='XXX'" in err and err.count("\n") == 1

    @handle_errors
    def load_it() -> None:
        from credit_core.policy import load_policy

        load_policy(tmp_path / "policy.toml")

    app.command("load-policy-for-test")(load_it)
    try:
        assert run_app(["load-policy-for-test"]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert err.startswith("error: policy ") and "Traceback" not in err and err.count("\n") == 1
    finally:
        app.registered_commands.pop()


def test_an_unexpected_error_is_one_line_exit_1_and_a_traceback_only_with_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    @handle_errors
    def explode() -> None:
        raise OSError("disk on fire\nsecond line")

    app.command("explode-for-test")(explode)
    try:
        assert run_app(["explode-for-test"]) == EXIT_PROBLEMS
        err = capsys.readouterr().err
        assert err == "error: unexpected OSError: disk on fire (--debug shows the traceback)\n"
        with pytest.raises(OSError):
            run_app(["--debug", "explode-for-test"])
    finally:
        app.registered_commands.pop()
