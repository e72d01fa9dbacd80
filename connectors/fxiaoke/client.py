"""A small typed client for Fxiaoke's OpenAPI: auth, pacing, budget, errorCode handling, retries.

Every answer is HTTP 200 with an `errorCode`; the retrying session (`connectors.http`) covers the
transport, and tenacity here covers what arrives inside a 200: rate-limit codes (14001, 30004) and
the transient -1 / 50009. A refused token (20016) is refreshed once and the call replayed. Only reads
and calls refused before running are repeated; a write with an unknown outcome is left to the caller.
Every retry made here is counted in the session's `retries` by cause (the errorCode, the HTTP status,
`timeout`, `connection`, `session`), next to the transport's own, so `status` shows a burst Fxiaoke
wrapped in an HTTP 200 as it shows another CRM's 429s.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential, wait_random, wait_random_exponential

from connectors.base import ConnectorContext
from connectors.errors import AuthExpired, ConfigError, RateLimited, TransientError
from connectors.fxiaoke.auth import Credential, TokenManager, parse_token_answer, token_request
from connectors.fxiaoke.codes import OK, error_for
from connectors.fxiaoke.pacing import Pacer, UsageMeter
from connectors.fxiaoke.settings import FxiaokeSource
from connectors.http import RetryingSession, RetryPolicy, build_session

ATTEMPTS = 6
TOKEN_LIMIT = (10, 60.0)  # the token call: at most 10 a minute
Answer = dict[str, Any]
E = TypeVar("E", bound=Exception)


def utc_now() -> datetime:
    """The real clock, aware UTC."""
    return datetime.now(UTC)


def _error_code(answer: Answer) -> int | None:
    code = answer.get("errorCode")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.lstrip("-").isdigit():
        return int(code)
    return None


def _error_message(answer: Answer) -> str:
    message = answer.get("errorMessage")
    return message[:200] if isinstance(message, str) else ""


class FxiaokeClient:
    """Business calls as one employee of one tenant; `call` answers the whole JSON of a success."""

    def __init__(self, settings: FxiaokeSource, context: ConnectorContext, session: RetryingSession | None = None):
        self.base = settings.api_base.rstrip("/")
        self.auth = settings.auth
        self.legacy = settings.auth.flow == "legacy"
        # A user id in openUserId form needs `convertUserId` (reference fxiaoke.md §1 "user id form").
        self.open_ids = settings.auth.user_id.startswith("FSUID_")
        self.clock = context.clock or utc_now
        self.sleep: Callable[[float], None] = context.sleep or time.sleep
        self.session = session or build_session(
            settings.ca_bundle, RetryPolicy(sleep=self.sleep), read_timeout_s=settings.read_timeout_s
        )
        self.window_s = settings.rate_window_s
        now = self._seconds
        self.pacer = Pacer(settings.rate_limit, settings.rate_window_s, now, self.sleep)
        self.token_pacer = Pacer(*TOKEN_LIMIT, now, self.sleep)
        self.meter = UsageMeter(
            context.source, context.usage, settings.api_daily_limit, settings.api_budget_share, self.clock
        )
        self.tokens = TokenManager(settings.auth, self.base, self._fetch_token, context.tokens, self.clock)
        self.http_calls = 0  # every HTTP exchange, token calls and transport retries included
        # Why this thread's last attempt failed, read when tenacity decides to retry it.
        self._failure = threading.local()

    def _seconds(self) -> float:
        return self.clock().timestamp()

    # ---- business calls --------------------------------------------------------------------------

    def call(self, path: str, body: Answer, replayable: bool = True) -> Answer:
        """One business call; reads (`replayable`) are retried on transient codes, writes only when refused."""
        retrying = self._retrying(lambda exc: self._retryable(exc, replayable))
        answer: Answer = retrying(self._authenticated_call, path, body)
        return answer

    @staticmethod
    def _retryable(exc: BaseException, replayable: bool) -> bool:
        if isinstance(exc, RateLimited):
            return True  # refused before running: safe to repeat even for a write
        return replayable and isinstance(exc, TransientError) and not isinstance(exc, AuthExpired)

    def _authenticated_call(self, path: str, body: Answer) -> Answer:
        credential = self.tokens.current()
        try:
            return self._business(path, body, credential)
        except AuthExpired:
            # 20016: the call did not run; one fresh token and one replay, then give up.
            self.session.retries["session"] += 1
            return self._business(path, body, self.tokens.refresh(credential))

    def _business(self, path: str, body: Answer, credential: Credential) -> Answer:
        self.meter.before_call()
        sent, headers = self._signed(body, credential)
        with self.pacer.turn(path):
            answer = self._post(path, sent, headers, metered=True)
        code = _error_code(answer)
        if code is None:
            raise self._failed("answer", TransientError(f"Fxiaoke {path}: answer without a valid errorCode"))
        if code != OK:
            raise self._failed(str(code), error_for(path, code, _error_message(answer)))
        return answer

    def _signed(self, body: Answer, credential: Credential) -> tuple[Answer, dict[str, str]]:
        """The body and headers of one business call in the configured convention."""
        user = self.auth.user_id
        if self.legacy:
            signed = {**body, "corpAccessToken": credential.token, "corpId": credential.tenant}
            return {**signed, "currentOpenUserId": user, "convertUserId": self.open_ids}, {}
        headers = {"authorization": f"Bearer {credential.token}", "x-fs-ea": credential.tenant, "x-fs-userid": user}
        return ({**body, "convertUserId": True} if self.open_ids else dict(body)), headers

    # ---- the token call --------------------------------------------------------------------------

    def _fetch_token(self) -> tuple[Credential, int]:
        path, body = token_request(self.auth)

        def once() -> tuple[Credential, int]:
            """One paced token call."""
            with self.token_pacer.turn(path):
                answer = self._post(path, body, {}, metered=False)
            code = _error_code(answer)
            if code != OK:
                said = code if code is not None else -1
                raise self._failed(str(said), error_for(path, said, _error_message(answer), token_call=True))
            return parse_token_answer(answer, self.legacy)

        retrying = self._retrying(lambda exc: isinstance(exc, TransientError) and not isinstance(exc, AuthExpired))
        result: tuple[Credential, int] = retrying(once)
        return result

    # ---- transport -------------------------------------------------------------------------------

    def _post(self, path: str, body: Answer, headers: dict[str, str], metered: bool) -> Answer:
        """POST JSON; a non-200, a redirect or a body that is not a JSON object is an error."""
        url = f"{self.base}{path}?thirdTraceId={uuid.uuid4()}"
        before = self.session.attempts
        try:
            response = self.session.post(url, json=body, headers=headers, allow_redirects=False)
        except requests.RequestException as exc:
            # Only the exception's class: its text could carry the URL, never the body, but stay terse.
            cause = "timeout" if isinstance(exc, requests.Timeout) else "connection"
            raise self._failed(cause, TransientError(f"Fxiaoke {path}: {type(exc).__name__}")) from None
        finally:
            made = self.session.attempts - before
            self.http_calls += made
            if metered:
                self.meter.count(made)
        if 300 <= response.status_code < 400:
            # www.fxiaoke.com/cgi/... redirects to an HTML page: the tenant's OpenAPI host is another one.
            raise ConfigError(f"Fxiaoke {path}: HTTP {response.status_code} redirect; check api_base")
        if response.status_code != 200:
            raise self._failed(
                str(response.status_code), TransientError(f"Fxiaoke {path}: HTTP {response.status_code}")
            )
        try:
            answer = response.json()
        except ValueError:
            raise self._failed("answer", TransientError(f"Fxiaoke {path}: the answer is not JSON")) from None
        if not isinstance(answer, dict):
            raise self._failed("answer", TransientError(f"Fxiaoke {path}: the answer is not a JSON object"))
        return answer

    def _failed(self, cause: str, error: E) -> E:
        """`error`, remembering its cause for the retry count (the same thread retries it)."""
        self._failure.cause = cause
        return error

    def _count_retry(self, state: RetryCallState) -> None:
        self.session.retries[getattr(self._failure, "cause", "unknown")] += 1

    def _retrying(self, retry: Callable[[BaseException], bool]) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=self._wait,
            retry=retry_if_exception(retry),
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )

    def _wait(self, state: RetryCallState) -> float:
        """Rate limits back off past the 20 s window; other transient codes back off faster."""
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimited):
            # 2, 4, 8, 16, 20 s (+ jitter): together longer than the window, so it has cleared by the last try.
            return float((wait_exponential(multiplier=2, max=self.window_s) + wait_random(0, 1))(state))
        return float(wait_random_exponential(multiplier=0.5, max=30)(state))

    def close(self) -> None:
        """Release the session's sockets."""
        self.session.close()
