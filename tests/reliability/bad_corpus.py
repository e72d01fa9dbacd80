"""A generated corpus of malformed CRM records: each case says which canonical field must be blamed.

Values are what a CRM user can type into a text field (or a lookup may hold), grouped by what is
wrong with them. Every bad case must end in quarantine naming its field; every hostile-but-valid case
(unicode, markup and SQL in names) must be stored exactly as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

INJECTIONS = (
    "'; DROP TABLE invoices; --",
    "' OR '1'='1",
    "x' AND Name != '",  # SOQL
    "x') or (id > 0",  # COQL
    "<script>alert('inv')</script>",
    "{{ 7*7 }}",
    "${jndi:ldap://127.0.0.1/a}",
)
UNICODE = (
    "Ｆｕｌｌｗｉｄｔｈ　株式会社",
    "‮dilav si siht",  # right-to-left override
    "Zero​width\u200bjoiner",
    "Ünïcødé naïve café",
    "🦄 Emoji Ltd 👩‍👩‍👧",
    "line\nbreak\ttab",
)


@dataclass(frozen=True)
class Case:
    """One invoice's text values; `field` is the canonical field blamed (None: it must sync)."""

    label: str
    values: dict[str, str]
    field: str | None
    reason: str = ""  # words the quarantine reason must contain


def _amounts() -> list[Case]:
    bad = {
        "lots": "not a number",
        "12,50": "not a number",
        "0x10": "not a number",
        "12.5.3": "not a number",
        "NaN": "finite",
        "-Infinity": "finite",
        "true": "not a number",
        "-5": "negative",
        "-0.01": "negative",
        "1E+30": "too large",
        "1E+999999": "too large",
        "123456789012345678901234567890": "too large",
        "": "missing",
    }
    return [Case(f"amount {raw!r}", {"amount": raw}, "amount", why) for raw, why in bad.items()]


def _dates() -> list[Case]:
    bad = {
        "2026-02-30": "ISO 8601",
        "2026-13-01": "ISO 8601",
        "31/12/2026": "ISO 8601",
        "yesterday": "ISO 8601",
        "0000-01-01": "ISO 8601",
        "2026-10-01T25:00:00Z": "ISO 8601",
        "1999-01-01": "due before issue",
    }
    return [Case(f"due {raw!r}", {"due_on": raw}, "due_on", why) for raw, why in bad.items()]


def _currencies() -> list[Case]:
    bad = {"ZZZ": "ISO 4217", "US$": "ISO 4217", "XTS": "ISO 4217", "€": "ISO 4217", "": "missing"}
    cases = [Case(f"currency {raw!r}", {"currency": raw}, "currency", why) for raw, why in bad.items()]
    return [*cases, Case("currency 'usd '", {"currency": "usd "}, None)]


def _lookups(live_account: str) -> list[Case]:
    # Salesforce ids are case-sensitive: the lower-cased id of a live account names another, missing one.
    dangling = ["001000000000000AAA", "0015g00000XyZ12", live_account.lower(), *INJECTIONS[:5], "Ａ001"]
    cases = [
        Case(f"account {raw!r}", {"account_crm_id": raw}, "account_crm_id", "not in the store") for raw in dangling
    ]
    garbled = {"a" * 255: "longer than", "001\u200b": "invisible", "001\n2": "control"}
    return [*cases, *(Case(f"account {raw[:8]!r}", {"account_crm_id": raw}, "account_crm_id", why)
                      for raw, why in garbled.items())]  # fmt: skip


def _names() -> list[Case]:
    return [Case(f"number {raw[:20]!r}", {"number": raw}, None) for raw in (*INJECTIONS, *UNICODE)]


def corpus(live_account: str) -> list[Case]:
    """Every case, for invoices of `live_account` unless the case moves them elsewhere."""
    return [*_amounts(), *_dates(), *_currencies(), *_lookups(live_account), *_names()]


# Characters that break parsers, queries, terminals and databases, for the random corpus.
HOSTILE_CHARS = "0123456789-+.,eE_ '\"\\;:%/()<>{}$`\t\n\r\x0b\u00a0\u200b\u202e\ufeff١٢３Ⅻ€¥日本𝟘🦄"


def _mutate(rng: Random, value: str) -> str:
    """One random edit: insert, delete, repeat or cut, at a random place."""
    at = rng.randrange(len(value) + 1)
    edit = rng.randrange(4)
    if edit == 0:
        return value[:at] + rng.choice(HOSTILE_CHARS) + value[at:]
    if edit == 1:
        return value[:at] + value[at + 1 :]
    if edit == 2:
        return value[:at] + value[at:] * rng.randrange(2, 5)
    return value[:at]


def random_values(rng: Random, good: dict[str, str]) -> dict[str, str]:
    """The good values with a few fields mutated one to three times, or replaced by random text."""
    values = dict(good)
    for key in rng.sample(sorted(good), rng.randrange(1, len(good) + 1)):
        if rng.random() < 0.2:
            values[key] = "".join(rng.choice(HOSTILE_CHARS) for _ in range(rng.randrange(0, 40)))
        else:
            for _ in range(rng.randrange(1, 4)):
                values[key] = _mutate(rng, values[key])
    return {k: v[:255] for k, v in values.items()}  # the text fields hold 255 characters
