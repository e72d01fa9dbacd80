"""The one retrying `requests.Session` every connector uses.

Retries 429 and 5xx answers and connection failures with exponential jitter, honouring `Retry-After`.
simple-salesforce has no retries of its own, so it gets this session through its `session=` argument;
the Zoho and Fxiaoke clients use it directly. `sleep` is injectable so tests never wait.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, retry_if_result, stop_after_attempt
from tenacity.wait import wait_random_exponential

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A POST may not be idempotent: retry it only when the server said it did nothing (429, 503),
# or when the connection never opened.
POST_RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in all, the backoff curve and its ceiling, and how to wait."""

    attempts: int = 5
    backoff_s: float = 0.5
    max_wait_s: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep)


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Wait:
    """Exponential jitter, unless the server named its own delay."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._jitter = wait_random_exponential(multiplier=policy.backoff_s, max=policy.max_wait_s)
        self._cap = policy.max_wait_s

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            told = _retry_after_seconds(outcome.result())
            if told is not None:
                return min(told, self._cap)
        return float(self._jitter(state))


def retry_cause(state: RetryCallState) -> str:
    """Why an attempt is retried, as `status` shows it: the HTTP status, `timeout` or `connection`."""
    outcome = state.outcome
    if outcome is None:
        return "unknown"
    if not outcome.failed:
        return str(outcome.result().status_code)
    return "timeout" if isinstance(outcome.exception(), requests.exceptions.Timeout) else "connection"


def _is_retryable_exception(method: str) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        if method == "POST":
            return isinstance(exc, requests.exceptions.ConnectTimeout)
        transient = (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        )
        return isinstance(exc, transient)

    return check


class RetryingSession(requests.Session):
    """A `requests.Session` whose every request retries transient failures per its policy."""

    def __init__(self, policy: RetryPolicy | None = None, timeout: tuple[float, float] = (10.0, 120.0)) -> None:
        super().__init__()
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.attempts = 0  # every HTTP exchange, retries included (API-call accounting)
        # Retried attempts by cause (`retry_cause`; clients add `session` for a replay after re-login).
        self.retries: Counter[str] = Counter()
        # Built once per session (POST, everything else): tenacity keeps each call's state per thread,
        # and building the strategy objects on every request was a tenth of a small fetch's CPU.
        self._retrying = {verb: self._strategy(verb) for verb in ("POST", "GET")}

    def _strategy(self, verb: str) -> Retrying:
        statuses = POST_RETRY_STATUSES if verb == "POST" else RETRY_STATUSES
        return Retrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=_Wait(self.policy),
            retry=(
                retry_if_result(lambda r: r.status_code in statuses) | retry_if_exception(_is_retryable_exception(verb))
            ),
            sleep=self.policy.sleep,
            before_sleep=lambda state: self.retries.update([retry_cause(state)]),
            reraise=True,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """Send one request, retrying per the policy; the last answer is returned, never swallowed."""
        verb = method.decode() if isinstance(method, bytes) else method.upper()
        kwargs.setdefault("timeout", self.timeout)
        retrying = self._retrying["POST" if verb == "POST" else "GET"]

        def once() -> requests.Response:
            self.attempts += 1
            return super(RetryingSession, self).request(method, url, *args, **kwargs)

        response: requests.Response = retrying(once)
        return response


def build_session(
    ca_bundle: str | None = None,
    policy: RetryPolicy | None = None,
    user_agent: str = "crm-credit",
    read_timeout_s: float = 120.0,
) -> RetryingSession:
    """A retrying session that trusts `ca_bundle` when given, whatever the environment says.

    A CRM that has not answered within `read_timeout_s` counts as a timeout, retried unless the call
    was a POST (which may have been applied).

    `trust_env=False` because `REQUESTS_CA_BUNDLE` would otherwise override `session.verify`
    (and proxies from the environment would reach a loopback sandbox).
    """
    session = RetryingSession(policy, timeout=(10.0, read_timeout_s))
    session.trust_env = False
    session.verify = ca_bundle if ca_bundle else True
    session.headers["User-Agent"] = user_agent
    return session
