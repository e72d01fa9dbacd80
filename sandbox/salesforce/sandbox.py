"""`SalesforceSandbox`: a running emulated org, and the control API tests and demos drive it with."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from sandbox.faults import CallLog, FaultPlan
from sandbox.portfolio import Portfolio
from sandbox.salesforce.app import build_app
from sandbox.salesforce.control_http import control_routes
from sandbox.salesforce.dml import hard_delete, soft_delete
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.org import Change, Org, Rejection, ValidationRule
from sandbox.salesforce.outbound import Backoff, Delivery, OutboundDispatcher, OutboundRule
from sandbox.salesforce.seed import INTEGRATION_USERNAME, PortfolioRenderer, seed_setup
from sandbox.salesforce.sessions import Credentials
from sandbox.salesforce.soql.execute import run_query
from sandbox.salesforce.state import SandboxState
from sandbox.salesforce.table import Table
from sandbox.salesforce.tooling import create_custom_field
from sandbox.salesforce.values import ms_of, now_ms
from sandbox.salesforce.wire import dumps
from sandbox.salesforce.writes import Actor, as_python, save
from sandbox.server import SandboxServer
from sandbox.tls import make_tls

ORG_CREATED_DAYS_AGO = 3 * 365


def _jsonable(value: object) -> object:
    """A Python value as a REST JSON body would carry it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _stamp_of(at: datetime | None) -> int | None:
    """A backdated commit time in ms (never after now: the write path caps it)."""
    return None if at is None else ms_of(at if at.tzinfo else at.replace(tzinfo=UTC))


class SalesforceSandbox:
    """An org with the seeded portfolio, served over HTTPS on 127.0.0.1 while started."""

    def __init__(
        self,
        accounts: int = 50,
        seed: int = 7,
        as_of: date | None = None,
        port: int = 0,
        api_limit: int = 100_000,
        tls_dir: Path | str | None = None,
        currencies: tuple[str, ...] = ("USD",),
        session_ttl_s: float | None = None,
        outbound_backoff: Backoff | None = None,
        outbound_duplicate_rate: float = 0.0,
        auto_grant_new_fields: bool = False,
    ) -> None:
        self.org = Org(seed)
        created = now_ms() - ORG_CREATED_DAYS_AGO * 86_400_000
        reps = seed_setup(self.org, currencies, created)
        self.portfolio = Portfolio(accounts, seed, as_of, currencies=currencies)
        PortfolioRenderer(self.org, self.portfolio, reps).render()
        self.rep_ids = reps
        self.state = SandboxState(self.org, Credentials(INTEGRATION_USERNAME), api_limit, session_ttl_s)
        self.state.auto_grant_new_fields = auto_grant_new_fields
        self.faults = FaultPlan()
        self.calls = CallLog()
        self.outbound = OutboundDispatcher(self.state, outbound_backoff or Backoff(), outbound_duplicate_rate, seed)
        self.org.listeners.append(self.outbound.on_change)
        self._port = port
        self._tls_dir = Path(tls_dir) if tls_dir is not None else None
        self._temp_dir: str | None = None
        self._server: SandboxServer | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def _ensure_server(self) -> SandboxServer:
        if self._server is None:
            self._server = self._make_server()
        return self._server

    def _make_server(self) -> SandboxServer:
        if self._tls_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="sf-sandbox-")
        tls = make_tls(self._tls_dir or Path(str(self._temp_dir)), "salesforce")
        app = build_app(self.state, self.faults, self.calls, control_routes(self))
        server = SandboxServer(app, tls, port=self._port)
        self.state.base_url = server.url
        return server

    def start(self) -> SalesforceSandbox:
        """Serve HTTPS in a background thread and start sending outbound messages."""
        self._ensure_server().start()
        self.outbound.start()
        return self

    def serve_forever(self, on_ready: Callable[[SalesforceSandbox], None] | None = None) -> None:
        """Serve in the foreground until interrupted (the CLI command); `on_ready` sees url and CA first."""
        server = self._ensure_server()
        if on_ready is not None:
            on_ready(self)
        self.outbound.start()
        try:
            server.serve_forever()
        finally:
            self.outbound.stop()

    def stop(self) -> None:
        """Stop serving and delivering; remove the temporary CA directory."""
        self.outbound.stop()
        if self._server is not None:
            self._server.stop()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def __enter__(self) -> SalesforceSandbox:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    # --- where and who --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """https://127.0.0.1:PORT (the instance URL)."""
        return self.state.base_url

    @property
    def ca_pem(self) -> Path:
        """The CA certificate clients must trust (`verify=` / `ca_bundle`)."""
        tls = self._ensure_server().tls
        assert tls is not None
        return tls.ca_pem

    @property
    def org_id(self) -> str:
        """The 18-char organization id (00D...)."""
        return self.org.org_id

    @property
    def credentials(self) -> Credentials:
        """Username, password, security token, consumer key/secret the org accepts."""
        return self.state.credentials

    @property
    def api_usage(self) -> tuple[int, int]:
        """(calls counted today, daily limit)."""
        return self.state.budget.used, self.state.budget.limit

    def set_credentials(self, **changes: object) -> None:
        """Change accepted credentials (username, password, security_token, consumer_key, consumer_secret,
        jwt_certificate_pem, client_credentials_enabled, require_security_token, refresh_tokens)."""
        for name, value in changes.items():
            if not hasattr(self.state.credentials, name):
                raise AttributeError(f"no credential called {name}")
            setattr(self.state.credentials, name, value)

    def issue_session(self) -> str:
        """A fresh session id for the integration user (for `Salesforce(session_id=...)`)."""
        return self.state.sessions.issue(self.org.api_user_id).token

    def expire_sessions(self) -> int:
        """End every session: the next API call answers 401 INVALID_SESSION_ID."""
        return self.state.sessions.expire_all()

    def set_api_limit(self, limit: int, used: int | None = None) -> None:
        """Change the daily API allowance (and optionally the calls already counted)."""
        self.state.budget.limit = limit
        if used is not None:
            self.state.budget.used = used

    # --- data in CRM terms ------------------------------------------------------------------------

    def _table(self, sobject: str) -> Table:
        table = self.org.table(sobject)
        if table is None:
            raise KeyError(f"no object {sobject}")
        return table

    def _user_edit(self, table: Table, record_id: str | None, user_id: str | None) -> Actor:
        if user_id is None and record_id is not None and "ownerid" in table.sobject.by_name:
            index = table.index_of(record_id)
            row = table.rows[index] if index is not None else None
            owner = row[table.sobject.by_name["ownerid"].slot] if row is not None else None
            user_id = str(owner) if owner else None
        return Actor(user_id or self.rep_ids[0], client=None, api=False)

    def get_record(self, sobject: str, record_id: str) -> dict[str, object] | None:
        """Every field of a record as Python values (Decimal money, aware datetimes), or None."""
        with self.org.lock:
            table = self._table(sobject)
            index = table.index_of(record_id)
            row = table.rows[index] if index is not None else None
            return as_python(table, row) if row is not None else None

    def create_record(
        self, sobject: str, values: dict[str, object], user_id: str | None = None, at: datetime | None = None
    ) -> str:
        """Create a record as a user would (stamps, validation rules, outbound messages); returns its id.

        `at` commits with an earlier SystemModstamp, as a long transaction that committed late does.
        """
        with self.org.lock:
            table = self._table(sobject)
            body = {k: _jsonable(v) for k, v in values.items()}
            return save(self.org, table, None, body, self._user_edit(table, None, user_id), _stamp_of(at))

    def update_record(
        self,
        sobject: str,
        record_id: str,
        values: dict[str, object],
        user_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """A user edit (by the owner unless told): moves stamps, fires outbound messages; RecordError if refused."""
        with self.org.lock:
            table = self._table(sobject)
            body = {k: _jsonable(v) for k, v in values.items()}
            save(self.org, table, record_id, body, self._user_edit(table, record_id, user_id), _stamp_of(at))

    def delete_record(self, sobject: str, record_id: str, at: datetime | None = None) -> None:
        """Delete to the recycle bin (queryAll shows IsDeleted rows; deleted/ lists it)."""
        with self.org.lock:
            table = self._table(sobject)
            soft_delete(self.org, table, record_id, self._user_edit(table, record_id, None), _stamp_of(at))

    def hard_delete(self, sobject: str, record_id: str) -> None:
        """Remove a record for good (not even queryAll sees it)."""
        with self.org.lock:
            hard_delete(self.org, self._table(sobject), record_id, Actor(self.rep_ids[0], api=False))

    def ids(self, sobject: str, include_deleted: bool = False) -> list[str]:
        """Every record id of an object, in creation order."""
        with self.org.lock:
            table = self._table(sobject)
            deleted = table.sobject.by_name.get("isdeleted")
            return [
                str(row[0])
                for row in table.rows
                if row is not None and (include_deleted or deleted is None or not row[deleted.slot])
            ]

    def query(self, soql: str, include_deleted: bool = False) -> list[dict[str, object]]:
        """Run SOQL in-process (no API call counted): records as REST would render them."""
        with self.org.lock:
            result = run_query(self.org.data, soql, include_deleted)
            if result.aggregate_records is not None:
                return json.loads(dumps(result.aggregate_records))  # type: ignore[no-any-return]
            rows = result.table.rows
            records = [result.shape.render(rows[i], "62.0") for i in result.indexes if rows[i] is not None]  # type: ignore[arg-type]
            return json.loads(dumps(records))  # type: ignore[no-any-return]

    @property
    def changes(self) -> list[Change]:
        """Committed writes, oldest first (client = the Sforce-Call-Options client of API writes)."""
        with self.org.lock:
            return list(self.org.changes)

    # --- rules, faults and setup --------------------------------------------------------------------

    def add_validation_rule(
        self, sobject: str, name: str, condition: Callable[..., bool], message: str, field: str | None = None
    ) -> ValidationRule:
        """A rule rejecting writes where `condition(record)` (or `condition(record, old)`) is true."""
        rule = ValidationRule(sobject, name, condition, message, field)
        with self.org.lock:
            self.org.validation_rules.append(rule)
        return rule

    def clear_validation_rules(self) -> None:
        """Remove every validation rule."""
        with self.org.lock:
            self.org.validation_rules.clear()

    def reject_next_write(
        self,
        record_id: str | None = None,
        sobject: str | None = None,
        times: int = 1,
        code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: str = "Rejected by the sandbox",
        fields: list[str] | None = None,
    ) -> None:
        """Make the next matching API write(s) of a record fail (e.g. one record of a Collections call)."""
        with self.org.lock:
            self.org.rejections.append(Rejection(code, message, sobject, record_id, times, fields or []))

    def add_outbound_rule(
        self,
        sobject: str,
        fields: list[str] | tuple[str, ...],
        endpoint_url: str,
        criteria: Callable[[dict[str, object]], bool] | None = None,
        evaluation: str = "created_and_every_edit",
        send_session_id: bool = False,
        verify: str | bool = True,
        name: str = "Outbound Message",
    ) -> str:
        """Send an Outbound Message to `endpoint_url` after matching changes; returns the ActionId."""
        rule = OutboundRule(sobject, tuple(fields), endpoint_url, name, criteria, evaluation, send_session_id, verify)
        return self.outbound.add_rule(rule)

    @property
    def outbound_deliveries(self) -> list[Delivery]:
        """Every outbound POST attempt so far."""
        return list(self.outbound.deliveries)

    def wait_for_outbound(self, timeout_s: float = 10.0) -> bool:
        """Wait until every queued outbound message was acked (or dropped)."""
        return self.outbound.wait_idle(timeout_s)

    def create_field(self, full_name: str, metadata: dict[str, object], grant: bool = True) -> str:
        """Create a custom field as the Tooling API would, readable/editable by the API user when `grant`."""
        with self.org.lock:
            return create_custom_field(self.org, full_name, metadata, self.org.api_user_id, grant)


__all__ = ["Backoff", "RecordError", "SalesforceSandbox"]
