"""The credit policy: the built-in default, validation that names key and value, the policy version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from credit_core.errors import PolicyError
from credit_core.policy import default_policy_text, load_policy, parse_policy


def edited(old: str, new: str) -> str:
    text = default_policy_text()
    assert old in text, old
    return text.replace(old, new, 1)


def test_the_built_in_policy_is_for_a_usd_seller_and_versioned_by_content() -> None:
    policy = load_policy()
    assert policy.base_currency == "USD"
    assert policy.neutral_score == 50
    assert re.fullmatch(r"2026\.1\+[0-9a-f]{8}", policy.policy_version)
    assert load_policy() is policy  # parsed once


SELF_EXPLAINING = {"A", "B", "C", "D", "E", "edges", "points", "weight", "share", "safe", "grey", "distress"}
SELF_EXPLAINING |= {"low", "medium", "high", "hold_flags", "hold_grades", "watch_flags", "watch_grades"}


def test_each_setting_of_the_built_in_policy_is_commented_unless_its_table_explains_it() -> None:
    for line in default_policy_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key = line.split("=")[0].strip()
            assert "#" in line or key in SELF_EXPLAINING, line


def test_the_version_ignores_comments_layout_and_how_a_number_is_written() -> None:
    base = load_policy().policy_version
    relaid = edited("max_share = 0.05                   # no customer group", "max_share = 0.050 # reworded")
    assert parse_policy(relaid).policy_version == base
    changed = edited("max_share = 0.05", "max_share = 0.06")
    assert parse_policy(changed).policy_version != base
    assert parse_policy(changed).policy_version.startswith("2026.1+")


def test_a_policy_is_read_from_a_file(tmp_path: Path) -> None:
    file = tmp_path / "policy.toml"
    file.write_text(edited('version = "2026.1"', 'version = "acme-7"'), encoding="utf-8")
    assert load_policy(file).policy_version.startswith("acme-7+")


@pytest.mark.parametrize(
    ("old", "new", "key", "value"),
    [
        ('combine = "median"', 'combine = "average"', "limits.combine", "average"),
        ('base_currency = "USD"', 'base_currency = "XYZ"', "base_currency", "XYZ"),
        ("downgrade_flag_days = 30", "downgrade_flag_days = 30\nsurprise = 1", "surprise", "1"),
        ("A = 75 ", "A = 20 ", "grades", None),
        ("points = [-15, -8, -3, 0, 6]", "points = [-15, -8, 6]", "scorecard.paydex", None),
        ("edges = [40, 50, 70, 80]", "edges = [40, 80, 70, 50]", "scorecard.paydex", None),
        ('hold_flags = ["OVER_LIMIT"', 'hold_flags = ["OVERLIMIT"', "status.hold_flags.0", "OVERLIMIT"),
        ("retained_share = 0.10", "retained_share = 1.5", "limits.retained_share", "1.5"),
        ("final = 60", "final = 10", "dunning", None),
    ],
)
def test_bad_policies_are_refused_naming_key_and_value(old: str, new: str, key: str, value: str | None) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(edited(old, new), "acme.toml")
    error = caught.value
    assert error.key == key
    if value is not None:
        assert str(error.value) == value
    assert str(error).startswith(f"policy acme.toml: {key}=")
    assert "\n" not in str(error)


def test_base_currency_is_required() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(edited('base_currency = "USD"', ""))
    assert caught.value.key == "base_currency"
    assert "required" in str(caught.value).lower()


def test_a_missing_file_and_broken_toml_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "absent.toml")
    with pytest.raises(PolicyError, match=r"\(syntax\)"):
        parse_policy("version = ", "broken.toml")


def test_industries_are_classed_case_insensitively_with_a_default() -> None:
    industries = load_policy().industries
    assert industries.risk_class("construction ") == "high"
    assert industries.risk_class("Banking") == "low"
    assert industries.risk_class("Chemicals") == "medium"
    assert industries.risk_class(None) is None


def test_grades_follow_the_cut_offs() -> None:
    policy = load_policy()
    assert [policy.grade_of(s) for s in (100, 75, 74, 60, 59, 45, 44, 30, 29, 0)] == list("AABBCCDDEE")
