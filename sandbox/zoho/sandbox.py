"""`ZohoSandbox`: a seeded Zoho CRM v8 org over HTTPS, plus the control API tests drive it with."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox.faults import CallLog, FaultPlan
from sandbox.portfolio import Portfolio
from sandbox.server import SandboxServer
from sandbox.tls import make_tls
from sandbox.zoho.app import build_app
from sandbox.zoho.auth import OAuthServer
from sandbox.zoho.clock import Clock, OrgTime
from sandbox.zoho.context import State
from sandbox.zoho.control import control_routes
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.ids import parse_id
from sandbox.zoho.limits import Budget
from sandbox.zoho.notify import Delivery, Notifier
from sandbox.zoho.org import Change, Org
from sandbox.zoho.rules import RejectionRule
from sandbox.zoho.seed import seed_org
from sandbox.zoho.values import FieldError, require_mandatory, validate_record
from sandbox.zoho.watch import Channels, callback_body


class ZohoSandbox:
    """A Zoho org rendered from `Portfolio(accounts, seed, as_of)`, served on 127.0.0.1 over HTTPS.

    `credits` is the daily API-credit budget and `concurrency` the simultaneous-call limit (None:
    unlimited); `time_zone` is the org's zone (datetimes carry its offset); `start_time` freezes
    the clock (else wall time; `advance()` moves it either way); `notify_retry_delays` are the
    pauses before re-sending a failed callback; `notify_verify` is the CA (or bool) used to verify
    https notify_urls.
    """

    def __init__(
        self,
        accounts: int = 100,
        seed: int = 7,
        as_of: date | None = None,
        port: int = 0,
        credits: int | None = None,
        concurrency: int | None = None,
        tls_dir: Path | None = None,
        time_zone: str = "Asia/Kolkata",
        currencies: tuple[str, ...] = ("USD",),
        start_time: datetime | None = None,
        notify_retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0),
        notify_verify: bool | str = True,
    ) -> None:
        self.clock = Clock(start_time)
        self.org = Org(self.clock, OrgTime(time_zone), currencies)
        self.counts = seed_org(self.org, Portfolio(accounts, seed, as_of, currencies))
        self.client_id = f"1000.{secrets.token_hex(15).upper()}"
        self.client_secret = secrets.token_hex(21)
        self.refresh_token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        oauth = OAuthServer(self.clock, self.client_id, self.client_secret, self.refresh_token, self.org.api_user_id)
        self.notifier = Notifier(notify_retry_delays, notify_verify)
        self.state = State(self.org, oauth, Budget(self.clock, credits, concurrency), Channels())
        self.org.listeners.append(self._on_change)
        self._own_tls = tls_dir is None
        self._tls_dir = tls_dir or Path(tempfile.mkdtemp(prefix="zoho-sandbox-"))
        self.tls = make_tls(self._tls_dir, "zoho-sandbox")
        self.server = SandboxServer(build_app(self.state, control_routes(self)), self.tls, port=port)
        self.state.base_url = self.server.url
        self._serving = False

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> ZohoSandbox:
        """Serve in a background thread; returns self."""
        self.notifier.start()
        self.server.start()
        self._serving = True
        return self

    def stop(self) -> None:
        """Stop serving and delivering notifications."""
        if self._serving:
            self.server.stop()
            self._serving = False
        self.notifier.stop()
        if self._own_tls:
            shutil.rmtree(self._tls_dir, ignore_errors=True)

    def serve_forever(self) -> None:
        """Serve in the foreground (the `crm-credit sandbox zoho` command)."""
        self.notifier.start()
        try:
            self.server.serve_forever()
        finally:
            self.notifier.stop()
            if self._own_tls:
                shutil.rmtree(self._tls_dir, ignore_errors=True)

    def __enter__(self) -> ZohoSandbox:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    # -- what clients need ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL: both `accounts_url` and `api_domain`."""
        return self.server.url

    @property
    def ca_pem(self) -> Path:
        """The CA certificate a client must trust."""
        return self.tls.ca_pem

    @property
    def calls(self) -> CallLog:
        """Every API and token call answered (control calls excluded)."""
        return self.state.log

    @property
    def faults(self) -> FaultPlan:
        """Queue 429/5xx bursts, slow answers and latency."""
        return self.state.faults

    @property
    def credits_used(self) -> int:
        """API credits spent in the rolling 24 h."""
        return self.state.budget.used()

    @property
    def token_refreshes(self) -> int:
        """Access tokens issued so far."""
        return self.state.oauth.refreshes

    def set_limits(self, credits: int | None = None, concurrency: int | None = None) -> None:
        """Change the daily credit budget and the simultaneous-call limit (None: unlimited)."""
        self.state.budget.daily_credits = credits
        self.state.budget.concurrency = concurrency

    # -- tokens and time -----------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every issued access token expires now (next API call: 401 INVALID_TOKEN)."""
        self.state.oauth.expire_all()

    def revoke_token(self, refresh: bool = False) -> None:
        """Revoke issued access tokens; with `refresh`, the refresh token too (refresh: invalid_code)."""
        self.state.oauth.revoke(refresh)

    def advance(self, seconds: float) -> None:
        """Move the org's clock forward."""
        self.clock.advance(seconds)

    # -- records (a user working in the CRM) ---------------------------------------------------
    def ids(self, module: str) -> list[str]:
        """Every live record id of a module, in id order."""
        with self.org.lock:
            return [str(row["id"]) for row in self._table(module).scan()]

    def get_record(self, module: str, record_id: str | int) -> dict[str, Any] | None:
        """A record as the API renders it (all fields), or None."""
        with self.org.lock:
            row = self._table(module).get(self._id(record_id))
            return self.org.render(module, row) if row else None

    def create_record(self, module: str, values: dict[str, Any], by: str | int | None = None) -> str:
        """Create a record as a user would; fires `insert` notifications."""
        with self.org.lock:
            clean = self._values(module, values, None)
            require_mandatory(self.org.modules[module], clean, "$")
            owner = self._id(by) if by is not None else self._default_user()
            return str(self.org.create(module, clean, owner))

    def update_record(
        self, module: str, record_id: str | int, values: dict[str, Any], by: str | int | None = None
    ) -> dict[str, Any]:
        """Edit a record as a user would: moves `Modified_Time`, fires `update` notifications."""
        row_id = self._id(record_id)
        with self.org.lock:
            row = self._table(module).get(row_id)
            if row is None:
                raise KeyError(f"{module} {record_id} does not exist")
            clean = self._values(module, values, row_id)
            editor = self._id(by) if by is not None else row.get("Owner") or self._default_user()
            self.org.update_many(module, [(row_id, clean)], editor)
            return self.org.render(module, self._table(module).rows[row_id])

    def delete_record(
        self, module: str, record_id: str | int, permanent: bool = False, by: str | int | None = None
    ) -> None:
        """Delete a record (to the recycle bin unless `permanent`); fires `delete` notifications."""
        with self.org.lock:
            editor = self._id(by) if by is not None else self._default_user()
            self.org.delete(module, self._id(record_id), editor, permanent)

    def reject(
        self,
        module: str,
        ids: list[str | int] | None = None,
        field: str | None = None,
        test: Callable[[Any], bool] | None = None,
        code: str = "INVALID_DATA",
        message: str = "invalid data",
        times: int | None = None,
    ) -> RejectionRule:
        """Make API writes fail per record (a validation rule, a locked record); returns the rule."""
        chosen = frozenset(self._id(i) for i in ids) if ids is not None else None
        rule = RejectionRule(module, code, message, chosen, field, test, times)
        self.state.rules.add(rule)
        return rule

    def clear_rules(self) -> None:
        """Drop every rejection rule."""
        self.state.rules.clear()

    # -- notifications -------------------------------------------------------------------------
    @property
    def deliveries(self) -> list[Delivery]:
        """Every callback POST attempted so far."""
        return list(self.notifier.deliveries)

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until `count` delivery attempts were made (or the timeout passed)."""
        return self.notifier.wait_for(count, timeout)

    def _on_change(self, change: Change) -> None:
        now = self.clock.now()
        for sub in self.state.channels.matching(change, int(now.timestamp())):
            values = self._affected_values(change) if sub.return_values else {}
            body = callback_body(sub, change, int(now.timestamp() * 1000), self.url, values)
            self.notifier.enqueue(sub.channel_id, sub.notify_url, body)
        for module in sorted({m for m, _ in change.related}):
            parents = tuple(i for m, i in change.related if m == module)
            # A related action shows as an edit of the parent record (shape unverified [zoho.md §4]).
            related = Change(module, "update", parents)
            for sub in self.state.channels.matching(related, int(now.timestamp())):
                if sub.notify_on_related_action:
                    body = callback_body(sub, related, int(now.timestamp() * 1000), self.url, {})
                    self.notifier.enqueue(sub.channel_id, sub.notify_url, body)

    def _affected_values(self, change: Change) -> dict[int, Any]:
        with self.org.lock:
            table = self._table(change.module)
            return {
                row_id: {f: self.org.render_value(change.module, f, table.rows[row_id].get(f)) for f in fields}
                for row_id, fields in change.fields.items()
                if row_id in table.rows
            }

    # -- helpers -------------------------------------------------------------------------------
    def _table(self, module: str) -> Any:
        if module not in self.org.tables:
            raise KeyError(f"no module {module!r}")
        return self.org.tables[module]

    def _id(self, value: str | int | None) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(f"not a Zoho id: {value!r}")
        return parsed

    def _default_user(self) -> int:
        return sorted(self.org.users)[1]

    def _values(self, module: str, values: dict[str, Any], row_id: int | None) -> dict[str, Any]:
        try:
            return validate_record(self.org, self.org.modules[module], values, "$", include_read_only=True)
        except FieldError as error:
            raise ZohoError(400, error.code, error.details, error.message) from None
