"""The rules of limit-increase requests: what the policy grants, ceiling routing, maker–checker, expiry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from credit_core.models import LimitOverride
from credit_core.requests import (
    ApproverRole,
    RequestRefused,
    approval_override,
    check_decider,
    granted_limit,
    request_status_on,
    route,
    with_request_state,
)
from tests.credit_core.builders import AS_OF, paid_history, policy_with, solid_account

ROLES = [
    ApproverRole("director", frozenset({"boss@x.com"}), Decimal("1000000")),
    ApproverRole("credit_manager", frozenset({"ann@x.com", "bob@x.com"}), Decimal("250000")),
]


def test_within_the_granted_limit_the_policy_approves() -> None:
    assert route(Decimal("300000"), Decimal("300000"), Decimal("300000"), ROLES).status == "approved"


def test_above_it_the_lowest_covering_ceiling_is_asked_and_none_when_nobody_covers() -> None:
    assert route(Decimal("200001"), Decimal("200001"), Decimal("200000"), ROLES).role == "credit_manager"
    assert route(Decimal("250001"), Decimal("250001"), Decimal("200000"), ROLES).role == "director"
    missing = route(Decimal("2000000"), Decimal("2000000"), Decimal("200000"), ROLES)
    assert (missing.status, missing.role) == ("pending", None)


def test_the_ceiling_is_compared_in_the_base_currency() -> None:
    # 240,000 EUR is 259,200 USD at 1.08: above the credit manager's 250,000 USD.
    assert route(Decimal("240000"), Decimal("259200"), Decimal("200000"), ROLES).role == "director"


@pytest.mark.parametrize(
    ("status", "maker", "user", "amount", "code"),
    [
        ("pending", "ann@x.com", "ann@x.com", "100000", "OWN_REQUEST"),
        ("pending", "Ann@X.com", "ann@x.com", "100000", "OWN_REQUEST"),
        ("pending", "ann@x.com", "eve@x.com", "100000", "NOT_APPROVER"),
        ("pending", "ann@x.com", "bob@x.com", "250001", "OVER_CEILING"),
        ("approved", "ann@x.com", "bob@x.com", "100000", "NOT_PENDING"),
    ],
)
def test_who_may_not_decide(status: str, maker: str, user: str, amount: str, code: str) -> None:
    with pytest.raises(RequestRefused) as refused:
        check_decider(status, maker, user, Decimal(amount), ROLES)
    assert refused.value.code == code


def test_a_covering_role_of_someone_else_decides() -> None:
    assert check_decider("pending", "ann@x.com", "bob@x.com", Decimal("250000"), ROLES).name == "credit_manager"
    assert check_decider("pending", None, "boss@x.com", Decimal("900000"), ROLES).name == "director"


def test_an_approval_lasts_the_policy_override_days_unless_an_expiry_is_given() -> None:
    policy = policy_with({"limits.override_days": 30})
    made = approval_override(Decimal("5000"), "USD", "bob@x.com", "fair", date(2026, 1, 1), policy)
    assert (made.expires_on, made.approved_by, made.reason) == (date(2026, 1, 31), "bob@x.com", "fair")
    given = approval_override(Decimal("5000"), "USD", "bob@x.com", None, date(2026, 1, 1), policy, date(2026, 3, 1))
    assert given.expires_on == date(2026, 3, 1)
    with pytest.raises(RequestRefused):
        approval_override(Decimal("5000"), "USD", "bob@x.com", None, date(2026, 1, 1), policy, date(2025, 12, 31))


def test_the_granted_limit_sets_a_manual_limit_aside() -> None:
    account = solid_account(limit_override={"amount": "5000"})
    invoices = paid_history(8)
    policy = policy_with()
    assert (
        granted_limit(account, invoices, [], policy, AS_OF)
        == granted_limit(solid_account(), invoices, [], policy, AS_OF)
        > Decimal("5000")
    )


def test_an_approved_uplift_reads_expired_the_day_after_its_end() -> None:
    uplift = LimitOverride(amount=Decimal("9000"), expires_on=date(2026, 5, 31), approved_by="bob@x.com")
    assert request_status_on("approved", uplift, date(2026, 5, 31)) == "approved"
    assert request_status_on("approved", uplift, date(2026, 6, 1)) == "expired"
    assert request_status_on("pending", None, date(2026, 6, 1)) == "pending"


def test_the_store_override_applies_only_while_in_force() -> None:
    uplift = LimitOverride(amount=Decimal("9000"), expires_on=date(2026, 5, 31), approved_by="bob@x.com")
    crm = solid_account(limit_override={"amount": "7000"}, request_status="from CRM")
    assert with_request_state(crm, uplift, "approved", date(2026, 5, 31)).limit_override == uplift
    lapsed = with_request_state(crm, uplift, "expired", date(2026, 6, 1))
    assert lapsed.limit_override == crm.limit_override and lapsed.request_status == "expired"
    assert with_request_state(crm, None, None, date(2026, 6, 1)) is crm
