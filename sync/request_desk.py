"""The request desk: create, list, approve and reject limit-increase requests for a known `[users]` entry.

The CLI (`--as EMAIL`), the API (the token's user) and the admin page (the signed-in user) all come
here. Each step is one store transaction with its audit rows; the account is then re-evaluated so its
decision (limit, override reason, `request_status`) changes and its write-back is queued in the outbox.
A refused step is audited too, then raised as `RequestRefused`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from connectors.errors import ConfigError
from credit_core import requests as rules
from credit_core.fx import Converter
from sync.config import AppConfig
from sync.evaluation import Evaluator
from sync.reports import EvaluationReport
from sync.requests import NewRequest, Step, open_request, refuse, roles_of, settle
from sync.store import Store
from sync.store import requests as stored
from sync.store.records import existing_ids

ORIGINS = ("cli", "api", "admin")


class NotFound(ConfigError):
    """No such source, account or request (the API answers 404)."""


class RequestDesk:
    """Request steps on behalf of one acting user."""

    def __init__(self, config: AppConfig, store: Store, clock: Callable[[], datetime], user: str, origin: str) -> None:
        config.user(user)
        if origin not in ORIGINS:
            raise ConfigError(f"unknown request origin {origin!r}")
        self.config, self.store, self.clock, self.user, self.origin = config, store, clock, user, origin
        self.last_evaluation: EvaluationReport | None = None

    def _step(self) -> Step:
        return Step("user", self.user, self.clock())

    def _evaluator(self) -> Evaluator:
        return Evaluator(self.config, self.store, self.clock, trigger="user", actor=self.user)

    def create(
        self,
        key: tuple[str, str],
        amount: Decimal,
        reason: str | None = None,
        expires_on: date | None = None,
        manual: bool = False,
    ) -> stored.StoredRequest:
        """Ask for a limit of `amount` (the account's currency); approved at once when the policy grants it.

        `manual`: a limit set by hand, even below the policy's; it always waits for an approver.
        """
        if key[0] not in self.config.sources or not self._stored(key):
            raise NotFound(f"no account {key[1]!r} in source {key[0]!r} (run sync first)")
        if not amount.is_finite() or amount <= 0:
            raise ConfigError(f"the requested limit must be a positive amount, not {amount}")
        step = self._step()
        if expires_on is not None and expires_on < step.now.date():
            raise ConfigError(f"expiry {expires_on.isoformat()} is in the past")
        currency, rate, granted = self._evaluator().measure_account(key)
        new = NewRequest(key, amount, currency, amount * rate, self.origin, self.user, reason, expires_on, manual)
        with self.store.write() as conn:
            request = open_request(conn, new, granted, roles_of(self.config), step)
        self._reevaluate(key)
        return request

    def approve(self, request_id: int, expires_on: date | None = None, note: str | None = None) -> stored.StoredRequest:
        """Approve a pending request under a role whose ceiling covers it; its override lasts until `expires_on`."""
        return self._decide(request_id, rules.APPROVED, note, expires_on)

    def reject(self, request_id: int, note: str | None = None) -> stored.StoredRequest:
        """Reject a pending request (deciding, like approving, needs a covering role and someone else's request)."""
        return self._decide(request_id, rules.REJECTED, note, None)

    def _decide(self, request_id: int, status: str, note: str | None, expires_on: date | None) -> stored.StoredRequest:
        step = self._step()
        request = self._load(request_id)
        evaluator = self._evaluator()
        refused: rules.RequestRefused | None = None
        with self.store.write() as conn:
            try:
                fx = Converter(evaluator.policy.base_currency, request.currency, evaluator.rates)
                amount_base = fx.target_to_base(request.amount)
                role = rules.check_decider(request.status, request.requested_by, self.user, amount_base,
                                           roles_of(self.config))  # fmt: skip
                override = None
                if status == rules.APPROVED:
                    reason = request.reason or f"limit request {request.id}"
                    until = expires_on or request.expires_on
                    override = rules.approval_override(request.amount, request.currency, self.user, reason,
                                                       step.now.date(), evaluator.policy, until)  # fmt: skip
            except rules.RequestRefused as refusal:
                refuse(conn, request, refusal, step)
                refused = refusal
            else:
                if not settle(conn, request, status, step, note, role.name, override):
                    raise rules.RequestRefused("NOT_PENDING", f"request {request_id} was decided meanwhile")
        if refused is not None:
            raise refused  # after the refusal's audit row is committed
        self.last_evaluation = evaluator.run([request.key])
        return self._load(request_id)

    def _load(self, request_id: int) -> stored.StoredRequest:
        with self.store.read() as conn:
            request = stored.load_request(conn, request_id)
        if request is None:
            raise NotFound(f"no limit request {request_id}")
        return request

    def _stored(self, key: tuple[str, str]) -> bool:
        with self.store.read() as conn:
            return bool(existing_ids(conn, "account", key[0], [key[1]]))

    def _reevaluate(self, key: tuple[str, str]) -> None:
        self.last_evaluation = self._evaluator().run([key])


def list_requests(
    store: Store, status: str | None = None, key: tuple[str, str] | None = None
) -> list[dict[str, object]]:
    """Requests as JSON-ready dicts, newest first."""
    with store.read() as conn:
        return [r.to_json() for r in stored.list_requests(conn, status, key)]
