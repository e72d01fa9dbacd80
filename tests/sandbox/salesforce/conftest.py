"""Sandboxes and unmodified simple-salesforce clients talking to them over real HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceSandbox
from sandbox.salesforce.outbound import Backoff

AS_OF = date(2026, 5, 1)


def trusting_session(box: SalesforceSandbox) -> requests.Session:
    """A plain requests session trusting the sandbox CA (and nothing from the environment)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(box.ca_pem)
    return session


def login_domain(box: SalesforceSandbox) -> str:
    """The `domain=` that makes simple-salesforce's https://{domain}.salesforce.com/... reach the sandbox."""
    return box.url.removeprefix("https://") + "/login"


def password_client(box: SalesforceSandbox, session: requests.Session | None = None) -> Salesforce:
    """simple-salesforce logged in through SOAP username-password (so it can re-login on 401)."""
    creds = box.credentials
    return Salesforce(
        username=creds.username,
        password=creds.password,
        security_token=creds.security_token,
        domain=login_domain(box),
        session=session or trusting_session(box),
    )


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SalesforceSandbox]:
    """One started sandbox per test module, for tests that only read or touch their own records."""
    with SalesforceSandbox(accounts=60, seed=7, as_of=AS_OF, currencies=("USD", "EUR")) as box:
        yield box


@pytest.fixture
def box(shared_sandbox: SalesforceSandbox) -> Iterator[SalesforceSandbox]:
    """The module's sandbox with faults, rules and the call log reset around each test."""
    yield shared_sandbox
    shared_sandbox.faults.clear()
    shared_sandbox.calls.clear()
    shared_sandbox.clear_validation_rules()
    shared_sandbox.org.rejections.clear()


@pytest.fixture
def fresh() -> Iterator[SalesforceSandbox]:
    """A sandbox of its own, for tests that expire sessions, exhaust limits or count every call."""
    with SalesforceSandbox(
        accounts=30, seed=11, as_of=AS_OF, outbound_backoff=Backoff(initial_s=0.01, max_s=0.05, expiry_s=30.0)
    ) as box:
        yield box


@pytest.fixture
def sf(box: SalesforceSandbox) -> Salesforce:
    """A password-authenticated client on the shared sandbox."""
    return password_client(box)
