"""The glossary explains every code the core can emit, in words a rep can act on."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from credit_core import evaluate_account
from credit_core.glossary import GRADE_GLOSSARY, STATUS_GLOSSARY, flag_glossary, reason_codes, reason_glossary
from credit_core.policy import FLAGS, GRADES, load_policy
from tests.credit_core.builders import AS_OF, account, open_invoice, paid_history, solid_account

CORE = Path(__file__).resolve().parents[2] / "credit_core"


def test_every_reason_code_and_flag_has_an_entry_with_words() -> None:
    reasons, flags = reason_glossary(), flag_glossary()
    assert list(reasons) == list(reason_codes())
    assert list(flags) == list(FLAGS)
    for entry in [*reasons.values(), *flags.values()]:
        assert entry.title and len(entry.meaning) > 25, entry.code
    assert set(STATUS_GLOSSARY) == {"OK", "WATCH", "HOLD"} and set(GRADE_GLOSSARY) == set(GRADES)


def test_codes_written_literally_in_the_core_are_all_listed() -> None:
    """A new `Reason("CODE", …)` or `reason("CODE", …)` in credit_core fails here until the glossary knows it."""
    literal = set()
    for path in CORE.glob("*.py"):
        literal |= set(re.findall(r"""\b[Rr]eason\(\s*["']([A-Z_]+)["']""", path.read_text()))
        literal |= set(re.findall(r"""_CODE\s*=\s*["']([A-Z_]+)["']""", path.read_text()))
    assert literal <= set(reason_codes())


def test_what_evaluation_emits_is_explained() -> None:
    policy = load_policy()
    late = [open_invoice("late1", 95, account_id="late"), open_invoice("late2", 45, amount="90000", account_id="late")]
    override = {"amount": "1000", "currency": "USD", "expires_on": AS_OF + timedelta(days=5), "reason": "trial"}
    cases = [
        (solid_account(), paid_history(12)),
        (account("bare"), []),
        (account("late", name="Late Ltd", industry="Construction", established_on="2024"), late),
        (solid_account("manual", limit_override=override), paid_history(3, days_late=40, account_id="manual")),
    ]
    codes, flags = set(), set()
    for acc, invoices in cases:
        decision = evaluate_account(acc, invoices, [], policy, AS_OF)
        codes |= {r.code for r in decision.reasons}
        flags |= set(decision.flags)
    assert "LIMIT_OVERRIDE" in codes and "INSUFFICIENT_DATA_FINANCIALS" in codes and "PAST_DUE_90" in flags
    assert codes <= set(reason_glossary())
    assert flags <= set(flag_glossary())
