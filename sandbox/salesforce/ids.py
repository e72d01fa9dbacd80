"""Salesforce record ids: 15-char case-sensitive bodies with the 3-char case-insensitive checksum suffix.

An id is key prefix (3) + two "instance" characters derived from the seed + a base-62 counter (10),
so ids are deterministic per seed, sequential per object, and decode back to their row number
without an id → row dictionary (a million invoices would otherwise cost ~100 MB of index).
"""

from __future__ import annotations

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_COUNTER_WIDTH = 10
_DECODE = {c: i for i, c in enumerate(BASE62)}


_UPPER_BITS = str.maketrans({c: ("1" if "A" <= c <= "Z" else "0") for c in BASE62})


def checksum_suffix(id15: str) -> str:
    """The 3 characters Salesforce appends to a 15-char id (one per 5-char chunk, uppercase = bit).

    Each chunk's first character is its least significant bit, hence the reversed slices.
    """
    bits = id15.translate(_UPPER_BITS)
    return (
        _SUFFIX_CHARS[int(bits[4::-1], 2)] + _SUFFIX_CHARS[int(bits[9:4:-1], 2)] + _SUFFIX_CHARS[int(bits[14:9:-1], 2)]
    )


def to18(record_id: str) -> str:
    """The 18-char form of a 15- or 18-char id (18-char input is re-derived from its first 15)."""
    body = record_id[:15]
    return body + checksum_suffix(body)


def is_valid_id(value: str) -> bool:
    """True for a well-formed 15-char id, or an 18-char id whose suffix matches its body."""
    if len(value) not in (15, 18) or any(c not in _DECODE for c in value):
        return False
    return len(value) == 15 or value[15:].upper() == checksum_suffix(value[:15])


def instance_chars(seed: int) -> str:
    """Two characters fixed by the seed, so two sandboxes with different seeds never share ids."""
    return "5" + BASE62[seed % 62]


def mint(prefix: str, instance: str, counter: int) -> str:
    """The 18-char id number `counter` of an object."""
    digits = []
    while counter:
        counter, r = divmod(counter, 62)
        digits.append(BASE62[r])
    body = prefix + instance + "".join(reversed(digits)).rjust(_COUNTER_WIDTH, "0")
    return body + checksum_suffix(body)


def counter_of(record_id: str) -> int | None:
    """The counter encoded in an id minted by `mint`, or None when it is not one of ours."""
    if len(record_id) not in (15, 18):
        return None
    n = 0
    for ch in record_id[5:15]:
        value = _DECODE.get(ch)
        if value is None:
            return None
        n = n * 62 + value
    return n
