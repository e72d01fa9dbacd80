"""Limits against the sandbox: pacing under the per-interface window, refusals from other workers,
the daily pack, our budget share, and tokens that expire or are shared."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Window
from connectors.errors import BudgetExhausted, QuotaExhausted
from connectors.fxiaoke.connector import FxiaokeConnector
from sandbox.fxiaoke import FxiaokeSandbox, ManualClock
from tests.connectors.fxiaoke.conftest import (
    ROOMY,
    ConnectorFactory,
    MemoryLedger,
    MemoryTokens,
    context_on,
    sandbox_settings,
)

QUERY = "/cgi/crm/v2/data/query"
PLANS = {"object": "PaymentPlanObj", "fields": {"account_crm_id": "account_id", "amount": "plan_payment_amount"}}


def window(clock: ManualClock) -> Window:
    return Window(None, datetime.fromtimestamp(clock(), UTC) + timedelta(seconds=1))


@pytest.fixture
def tight(clock: ManualClock) -> Iterator[FxiaokeSandbox]:
    """A tenant limited to 3 calls per interface in 20 s."""
    with FxiaokeSandbox(accounts=50, seed=3, rate_limit=(3, 20.0), token_limit=ROOMY, clock=clock) as sandbox:
        yield sandbox


def connector_on(fx: FxiaokeSandbox, clock: ManualClock, **overrides: object) -> FxiaokeConnector:
    return FxiaokeConnector("fx", sandbox_settings(fx, **overrides), context_on(clock))


def test_the_client_paces_itself_inside_the_window_and_is_never_refused(
    tight: FxiaokeSandbox, clock: ManualClock
) -> None:
    connector = connector_on(tight, clock, invoices=PLANS, rate_limit=3, rate_window_s=20)
    started = clock()
    try:
        rows = list(connector.pull_changed("invoice", window(clock)))
    finally:
        connector.close()
    pages = tight.calls.count("POST", QUERY)
    assert len(rows) == len(tight.ids("PaymentPlanObj")) and pages >= 4
    assert clock() - started >= 20 * ((pages - 1) // 3)  # waited for room instead of being refused
    assert tight.quota.used == pages + 1  # the pages and one describe: no call was refused and repeated


def test_refusals_caused_by_other_workers_are_backed_off_and_survived(
    tight: FxiaokeSandbox, clock: ManualClock
) -> None:
    connector = connector_on(tight, clock, invoices=PLANS)  # paces for 100 / 20 s: the tenant allows 3
    try:
        rows = list(connector.pull_changed("invoice", window(clock)))
    finally:
        connector.close()
    assert len(rows) == len(tight.ids("PaymentPlanObj"))
    assert tight.quota.used > tight.calls.count("POST", QUERY) // 2  # refused calls count against the pack too


def test_the_daily_pack_running_out_stops_cleanly(
    connect: ConnectorFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    connector = connect(invoices=PLANS)
    fx.quota.limit = fx.quota.used + 2
    with pytest.raises(QuotaExhausted, match="00:00 China time"):
        list(connector.pull_changed("invoice", window(clock)))
    assert fx.calls.count("POST", QUERY) == 2  # 30002 is not retried


def test_our_budget_share_stops_before_the_call_that_would_pass_it(
    connect: ConnectorFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    ledger = MemoryLedger()
    connector = connect(context_on(clock, usage=ledger), invoices=PLANS, api_daily_limit=4, api_budget_share=0.5)
    with pytest.raises(BudgetExhausted, match="2 of 4"):
        list(connector.pull_changed("invoice", window(clock)))  # describe, one page, then the budget
    assert fx.quota.used == 2 and ledger.calls_since("fx", datetime.fromtimestamp(0, UTC)) == 2
    usage = connector.api_usage()
    assert (usage.used, usage.limit) == (2, 4) and usage.calls == 3  # the token call is not billed


def test_a_token_expiring_mid_pull_is_refreshed_once(
    connect: ConnectorFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    connector = connect(invoices=PLANS)
    stream = connector.pull_changed("invoice", window(clock))
    first = [next(stream) for _ in range(100)]
    fx.expire_tokens()
    rest = list(stream)
    assert len(first) + len(rest) == len(fx.ids("PaymentPlanObj"))
    assert fx.calls.count("POST", "/oauth2.0/token") == 2


def test_workers_share_one_token_until_it_nears_its_end(
    connect: ConnectorFactory, fx: FxiaokeSandbox, clock: ManualClock
) -> None:
    shared = MemoryTokens()
    first, second = connect(context_on(clock, tokens=shared)), connect(context_on(clock, tokens=shared))
    first.describe("AccountObj")
    second.describe("AccountObj")
    assert fx.calls.count("POST", "/oauth2.0/token") == 1
    clock.advance(6_700)  # past 6,600 s Fxiaoke hands out a new token: fetch it
    second.describe("AccountObj")
    assert fx.calls.count("POST", "/oauth2.0/token") == 2
