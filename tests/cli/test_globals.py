"""Global options of DESIGN §4: accepted before or after the subcommand."""

from __future__ import annotations

from cli.app import normalise_argv


def test_flags_after_the_subcommand_move_to_the_front() -> None:
    assert normalise_argv(["status", "--json", "--debug"]) == ["--json", "--debug", "status"]


def test_config_with_its_value_moves_in_both_spellings() -> None:
    assert normalise_argv(["sync", "sf", "--config", "a.toml"]) == ["--config", "a.toml", "sync", "sf"]
    assert normalise_argv(["sync", "--config=a.toml"]) == ["--config=a.toml", "sync"]


def test_nothing_after_a_double_dash_is_touched() -> None:
    assert normalise_argv(["account", "--", "--json"]) == ["account", "--", "--json"]


def test_order_of_other_arguments_is_kept() -> None:
    assert normalise_argv(["account", "--source", "sf", "001A", "--json"]) == [
        "--json",
        "account",
        "--source",
        "sf",
        "001A",
    ]
