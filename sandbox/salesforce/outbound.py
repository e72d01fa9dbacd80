"""Outbound Messages: workflow-style rules that POST SOAP `notifications` after matching changes.

As in Salesforce: messages are queued and sent from a background thread, up to 100 notifications
per message; the payload is the record's state when sent (not when triggered); any answer but
HTTP 200 with `notificationsResponse/Ack = true` (namespace http://soap.sforce.com/2005/09/outbound)
is a failure, retried with exponential backoff (scaled down and configurable here) until acked or
expired. Delivery is at least once: a retry after a lost Ack sends duplicates, and
`duplicate_rate` adds occasional re-sends of acked messages.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from sandbox.salesforce.envelope import ack_ok, notifications_envelope
from sandbox.salesforce.ids import mint
from sandbox.salesforce.org import Change
from sandbox.salesforce.state import SandboxState
from sandbox.salesforce.writes import as_python

MAX_PER_MESSAGE = 100
EVALUATIONS = ("created_and_every_edit", "created", "created_and_subsequently_meet")


@dataclass
class OutboundRule:
    """Which changes send which fields where. `criteria(record)` on the new state (None: always)."""

    sobject: str
    fields: tuple[str, ...]
    endpoint_url: str
    name: str = "Outbound Message"
    criteria: Callable[[dict[str, object]], bool] | None = None
    evaluation: str = "created_and_every_edit"
    send_session_id: bool = False
    verify: str | bool = True  # CA bundle for the endpoint's certificate
    active: bool = True
    action_id: str = ""


@dataclass
class Message:
    """One SOAP message on its way: the same notification ids on every retry."""

    rule: OutboundRule
    notifications: list[tuple[str, str]]  # (notification id, record id)
    first_at: float
    next_at: float
    attempts: int = 0
    resend: bool = False  # a deliberate duplicate (never duplicated again)


@dataclass(frozen=True)
class Delivery:
    """One POST attempt and its outcome."""

    action_id: str
    notification_ids: tuple[str, ...]
    record_ids: tuple[str, ...]
    attempt: int
    status: int | None
    acked: bool
    error: str | None
    at: float


@dataclass
class Backoff:
    """Retry schedule: initial_s, doubling up to max_s; a message is dropped after expiry_s."""

    initial_s: float = 2.0
    max_s: float = 120.0
    expiry_s: float = 86_400.0

    def delay(self, attempts: int) -> float:
        """Wait before retry number `attempts` (1-based)."""
        return float(min(self.initial_s * 2.0 ** (attempts - 1), self.max_s))


class OutboundDispatcher:
    """Holds the rules, queues notifications on changes and delivers them from a daemon thread."""

    def __init__(self, state: SandboxState, backoff: Backoff, duplicate_rate: float = 0.0, seed: int = 7) -> None:
        self.state = state
        self.backoff = backoff
        self.duplicate_rate = duplicate_rate
        self.rules: list[OutboundRule] = []
        self.deliveries: list[Delivery] = []
        self._queue: list[Message] = []
        self._cond = threading.Condition()
        self._random = random.Random(seed)
        self._counter = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="sandbox:outbound", daemon=True)
        self._http = requests.Session()
        self._http.trust_env = False
        self._in_flight = 0

    def add_rule(self, rule: OutboundRule) -> str:
        """Register a rule; returns its ActionId (04k...)."""
        if rule.evaluation not in EVALUATIONS:
            raise ValueError(f"evaluation must be one of {EVALUATIONS}")
        with self._cond:
            self._counter += 1
            rule.action_id = mint("04k", self.state.org.instance, self._counter)
            self.rules.append(rule)
        return rule.action_id

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop delivering (queued messages are dropped)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._http.close()

    def pending(self) -> int:
        """Messages queued or in flight."""
        with self._cond:
            return len(self._queue) + self._in_flight

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Block until every queued message was acked or dropped; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    # --- triggering (called under the org lock, from the write path) --------------------------

    def on_change(self, change: Change) -> None:
        """Queue a notification for every rule this change fires."""
        if change.kind not in ("create", "update") or change.new is None:
            return
        table = self.state.org.table(change.sobject)
        if table is None:
            return
        for rule in self.rules:
            if rule.active and rule.sobject.lower() == change.sobject.lower() and self._fires(rule, table, change):
                self._enqueue(rule, change.record_id)

    def _fires(self, rule: OutboundRule, table: object, change: Change) -> bool:
        if rule.evaluation == "created" and change.kind != "create":
            return False
        if rule.criteria is None:
            return True
        assert change.new is not None
        now_meets = bool(rule.criteria(as_python(table, change.new)))  # type: ignore[arg-type]
        if rule.evaluation != "created_and_subsequently_meet" or change.kind == "create" or change.old is None:
            return now_meets
        return now_meets and not rule.criteria(as_python(table, change.old))  # type: ignore[arg-type]

    def _enqueue(self, rule: OutboundRule, record_id: str) -> None:
        with self._cond:
            self._counter += 1
            notification = (mint("04l", self.state.org.instance, self._counter), record_id)
            open_message = next(
                (
                    m
                    for m in self._queue
                    if m.rule is rule and m.attempts == 0 and len(m.notifications) < MAX_PER_MESSAGE
                ),
                None,
            )
            if open_message is None:
                now = time.monotonic()
                self._queue.append(Message(rule, [notification], now, now))
            else:
                open_message.notifications.append(notification)
            self._cond.notify_all()

    # --- delivery thread ----------------------------------------------------------------------

    def _next_due(self) -> Message | None:
        with self._cond:
            while not self._stop:
                now = time.monotonic()
                due = [m for m in self._queue if m.next_at <= now]
                if due:
                    message = min(due, key=lambda m: m.next_at)
                    self._queue.remove(message)
                    self._in_flight += 1
                    return message
                wait = min((m.next_at for m in self._queue), default=now + 1.0) - now
                self._cond.wait(max(0.005, wait))
        return None

    def _run(self) -> None:
        while (message := self._next_due()) is not None:
            acked = self._send(message)
            with self._cond:
                self._in_flight -= 1
                if not acked:
                    self._reschedule(message)
                elif not message.resend and self.duplicate_rate and self._random.random() < self.duplicate_rate:
                    now = time.monotonic()
                    # attempts=1 keeps the copy closed to new notifications; it is sent once more, as is.
                    self._queue.append(Message(message.rule, list(message.notifications), now, now, 1, resend=True))
                self._cond.notify_all()

    def _reschedule(self, message: Message) -> None:
        message.attempts += 1
        now = time.monotonic()
        if now - message.first_at + self.backoff.delay(message.attempts) > self.backoff.expiry_s:
            return  # Salesforce drops a message it could not deliver within 24 hours
        message.next_at = now + self.backoff.delay(message.attempts)
        self._queue.append(message)

    def _send(self, message: Message) -> bool:
        rule = message.rule
        with self.state.org.lock:
            body = notifications_envelope(self.state, rule, message.notifications)
        status, acked, error = None, False, None
        try:
            response = self._http.post(
                rule.endpoint_url,
                data=body.encode(),
                verify=rule.verify,
                timeout=10,
                headers={
                    "Content-Type": "text/xml; charset=utf-8",
                    "SOAPAction": '""',
                    "User-Agent": "Jakarta Commons-HttpClient/3.1",
                },
            )
            status = response.status_code
            acked = status == 200 and ack_ok(response.content)
        except requests.RequestException as failure:
            error = type(failure).__name__
        ids = tuple(n for n, _ in message.notifications)
        records = tuple(r for _, r in message.notifications)
        self.deliveries.append(
            Delivery(rule.action_id, ids, records, message.attempts + 1, status, acked, error, time.time())
        )
        return acked
