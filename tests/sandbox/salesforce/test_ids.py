"""Record ids: Salesforce's published checksum vectors, and ids minted per seed."""

from __future__ import annotations

import pytest

from sandbox.salesforce.ids import checksum_suffix, counter_of, instance_chars, is_valid_id, mint, to18


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("001D000000IRFma", "001D000000IRFmaIAH"),
        ("a0RE000000IJmcN", "a0RE000000IJmcNMAT"),
        ("001000000000000", "001000000000000AAA"),
        ("00DZZZZZZZZZZZZ", "00DZZZZZZZZZZZZ255"),
    ],
)
def test_the_18_char_form_appends_the_case_checksum(id15: str, id18: str) -> None:
    assert to18(id15) == id18
    assert checksum_suffix(id15) == id18[15:]


def test_an_18_char_id_must_carry_the_suffix_of_its_body() -> None:
    assert is_valid_id("001D000000IRFmaIAH")
    assert is_valid_id("001D000000IRFma")
    assert not is_valid_id("001D000000IRFmaAAA")
    assert not is_valid_id("001D000000IRFm")
    assert not is_valid_id("001D000000IRF-a")


def test_minted_ids_decode_to_their_counter_and_depend_on_the_seed() -> None:
    record_id = mint("001", instance_chars(7), 12345)
    assert is_valid_id(record_id) and len(record_id) == 18
    assert counter_of(record_id) == 12345
    assert record_id != mint("001", instance_chars(8), 12345)
