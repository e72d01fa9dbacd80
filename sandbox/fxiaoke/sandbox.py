"""`FxiaokeSandbox`: one wire-level Fxiaoke tenant over HTTPS, and the control tests use on it.

    with FxiaokeSandbox(accounts=20, seed=7) as fx:
        session.post(f"{fx.url}/cgi/corpAccessToken/get/V2", json=fx.token_request(), verify=fx.ca_pem)

Control calls act as a person in the CRM (not counted, not faulted, no rate limit); the same
control is served over HTTP under `/__sandbox__/` for other processes (see `control.py`).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route

from sandbox.faults import CallLog, Fault, FaultMiddleware, FaultPlan
from sandbox.fxiaoke.auth import Credentials, TokenStore
from sandbox.fxiaoke.control import CONTROL_PREFIX, ControlApi
from sandbox.fxiaoke.envelope import fault_body
from sandbox.fxiaoke.gateway import Gateway
from sandbox.fxiaoke.limits import DEFAULT_RATE, PACK_SIZE, TOKEN_RATE, Clock, DailyQuota, SlidingWindow
from sandbox.fxiaoke.objects import ACCOUNT_CUSTOM, ORDER_CUSTOM
from sandbox.fxiaoke.render import render
from sandbox.fxiaoke.schema import FieldDef
from sandbox.fxiaoke.store import Record
from sandbox.fxiaoke.tenant import Tenant
from sandbox.portfolio import Portfolio
from sandbox.server import SandboxServer
from sandbox.tls import TlsFiles, make_tls


def _is_control(path: str) -> bool:
    return path.startswith(CONTROL_PREFIX)


ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class FxiaokeSandbox:
    """A seeded Fxiaoke tenant served on 127.0.0.1 with its own CA."""

    def __init__(
        self,
        accounts: int = 50,
        seed: int = 7,
        as_of: date | None = None,
        port: int = 0,
        rate_limit: tuple[int, float] = DEFAULT_RATE,
        daily_quota: int = PACK_SIZE,
        tls_dir: Path | None = None,
        clock: Clock | None = None,
        token_limit: tuple[int, float] = TOKEN_RATE,
        approval_objects: tuple[str, ...] = ("AccountObj",),
        currencies: tuple[str, ...] = ("USD",),
    ) -> None:
        self.clock: Clock = clock or time.time
        self.portfolio = Portfolio(accounts, seed, as_of, currencies)
        self.as_of = self.portfolio.as_of
        self.tenant = Tenant(seed, self.as_of, self.clock, approval_objects)
        render(self.tenant, self.portfolio, int(self.clock() * 1000))
        self.credentials = Credentials.for_seed(seed)
        self.tokens = TokenStore(self.clock)
        self.quota = DailyQuota(daily_quota, self.clock)
        self.window = SlidingWindow(*rate_limit, self.clock)
        self.token_window = SlidingWindow(*token_limit, self.clock)
        self.faults = FaultPlan()
        self.calls = CallLog()
        self.app = self._app()
        self._tmp = None if tls_dir else tempfile.mkdtemp(prefix="fxiaoke-sandbox-")
        self.tls: TlsFiles = make_tls(Path(tls_dir or self._tmp or "."), "fxiaoke")
        self.server = SandboxServer(self.app, self.tls, port=port)
        self._running = False

    def _app(self) -> FaultMiddleware:
        """The ASGI app: control routes, then every other path to the gateway, behind fault injection."""
        self.gateway = Gateway(self.tenant, self.credentials, self.tokens, self.quota, self.window, self.token_window)
        routes = [
            Mount(CONTROL_PREFIX, routes=ControlApi(self).routes()),
            Route("/{path:path}", self.gateway.endpoint, methods=ANY_METHOD),
        ]
        return FaultMiddleware(Starlette(routes=routes), self.faults, self.calls, fault_body, exempt=_is_control)

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The API base, e.g. https://127.0.0.1:PORT (in place of https://open.fxiaoke.com)."""
        return self.server.url

    @property
    def ca_pem(self) -> Path:
        """The CA certificate a client must trust."""
        return self.tls.ca_pem

    def start(self) -> FxiaokeSandbox:
        """Start serving in a background thread."""
        self.server.start()
        self._running = True
        return self

    def wait(self) -> None:
        """Block the calling thread until Ctrl-C, then stop (the CLI command, after `start`)."""
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and remove the certificates made for this run."""
        if self._running:
            self.server.stop()
            self._running = False
        self._remove_tls()

    def _remove_tls(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> FxiaokeSandbox:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    # --- what a client is configured with ---------------------------------------------------------
    @property
    def app_id(self) -> str:
        """The self-built app's appId (`FSAID_…`)."""
        return self.credentials.app_id

    @property
    def app_secret(self) -> str:
        """The app secret the token calls accept."""
        return self.credentials.app_secret

    @property
    def permanent_code(self) -> str:
        """The permanent code the token calls accept."""
        return self.credentials.permanent_code

    @property
    def user_id(self) -> str:
        """The CRM administrator's employee id (header `x-fs-userid`)."""
        return self.tenant.people.admin().employee_id

    @property
    def open_user_id(self) -> str:
        """The CRM administrator's openUserId (legacy body field `currentOpenUserId`)."""
        return self.tenant.people.admin().open_user_id

    def token_request(self, new_style: bool = False) -> dict[str, str]:
        """The JSON body of the token call."""
        body = {"appId": self.app_id, "appSecret": self.app_secret, "permanentCode": self.permanent_code}
        return {**body, "grantType": "app_secret"} if new_style else body

    def custom_field_names(self) -> dict[str, dict[str, str]]:
        """Generated api names of the seeded custom fields: object → canonical key → `field_xxxxx__c`."""
        return {
            "AccountObj": self.tenant.custom_names("AccountObj", ACCOUNT_CUSTOM),
            "SalesOrderObj": self.tenant.custom_names("SalesOrderObj", ORDER_CUSTOM),
        }

    @property
    def credit_note_record_type(self) -> str:
        """The `record_type` value of credit-note payment plans."""
        return self.tenant.credit_note_type

    @property
    def credit_file_object(self) -> str:
        """The api name of the seeded custom object 客户信用档案 (`object_xxxxx__c`)."""
        return self.tenant.credit_file_object

    # --- control: people editing the CRM, the admin console, the test harness ---------------------
    def expire_tokens(self) -> None:
        """Invalidate every issued token (the next business call answers 20016)."""
        self.tokens.expire_all()

    def reset_app_secret(self, app_secret: str) -> None:
        """The admin resets the self-built app's secret: token calls with the old one answer 10006, as any
        wrong secret does (tokens already issued are left alone; `expire_tokens` ends them)."""
        self.credentials = replace(self.credentials, app_secret=app_secret)
        self.gateway.creds = self.credentials

    def get_record(self, api_name: str, object_id: str) -> Record | None:
        """A record as stored (wire formats, employee ids), or None when it does not exist."""
        return self.tenant.store.get(api_name, object_id)

    def records(self, api_name: str) -> list[Record]:
        """Copies of every record of an object as stored, in `_id` order."""
        with self.tenant.store.lock:
            return [dict(r) for r in sorted(self.tenant.store.snapshot(api_name), key=lambda r: r["_id"])]

    def ids(self, api_name: str) -> list[str]:
        """Ids of every record of an object, invalid ones included."""
        return self.tenant.store.ids(api_name)

    def update_record(self, api_name: str, object_id: str, values: dict[str, Any], by: str | None = None) -> None:
        """A user's edit in the CRM: any field, applied at once, moves `last_modified_time`."""
        definition = self.tenant.definition(api_name)
        clean = self.tenant.user_values(definition, values)
        self.tenant.update(api_name, object_id, clean, by or self.user_id)

    def create_record(self, api_name: str, values: dict[str, Any], by: str | None = None) -> str:
        """A user creates a record; returns its `_id`."""
        definition = self.tenant.definition(api_name)
        clean = self.tenant.user_values(definition, values)
        return str(self.tenant.create(api_name, clean, by or self.user_id)["_id"])

    def delete_record(self, api_name: str, object_id: str, hard: bool = False) -> None:
        """作废 (life_status invalid, still readable); with `hard`, then delete it for good."""
        if self.tenant.store.get(api_name, object_id) is None:
            raise KeyError(object_id)
        if (self.get_record(api_name, object_id) or {}).get("life_status") != "invalid":
            self.tenant.set_life_status(api_name, object_id, "invalid", self.user_id)
        if hard:
            self.tenant.delete(api_name, object_id)

    def create_custom_field(
        self,
        api_name: str,
        label: str,
        type_: str = "text",
        options: tuple[str, ...] = (),
        max_length: int | None = None,
    ) -> str:
        """The admin adds a custom field (the API cannot); returns its generated `field_xxxxx__c`."""
        field: FieldDef = self.tenant.schema.add_custom_field(api_name, label, type_, options, max_length)
        return field.api_name

    def create_custom_object(self, label: str) -> str:
        """The admin adds a custom object; returns its generated `object_xxxxx__c`."""
        return self.tenant.schema.add_custom_object(label, []).api_name

    def pending_approvals(self) -> list[tuple[str, str]]:
        """Edits held by an approval flow, as (object, id)."""
        return list(self.tenant.pending)

    def decide_approval(self, api_name: str, object_id: str, approve: bool = True) -> None:
        """An approver approves (applies) or rejects (drops) a held edit."""
        self.tenant.decide(api_name, object_id, approve, self.user_id)

    def reject_next_write(self, api_name: str, object_id: str, message: str) -> None:
        """A validation rule refuses the next API update of this record with `message` (errorCode 32000)."""
        self.tenant.rejections[(api_name, object_id)] = message

    @property
    def workflow_log(self) -> list[tuple[str, str, str]]:
        """Writes that fired the tenant's workflows (triggerWorkFlow true), as (object, id, event)."""
        return self.tenant.workflow_log

    def inject(self, error_code: int, times: int = 1, path: str = "") -> None:
        """Answer the next `times` calls whose path contains `path` with this errorCode (HTTP 200)."""
        self.faults.add(Fault(status=200, times=times, path=path, code=str(error_code)))

    def reset_limits(self) -> None:
        """Empty the rate windows and the day's call count."""
        self.window.reset()
        self.token_window.reset()
        self.quota.used = 0
