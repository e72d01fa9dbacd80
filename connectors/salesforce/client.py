"""One org's simple-salesforce client: our retrying session, call tagging, the API budget, one
re-login on INVALID_SESSION_ID, and Salesforce errors translated at the edge.

The `Salesforce` object is built with `session_id=` + `instance_url=` (the "direct" mode), so the
library never logs in by itself; `run()` catches `SalesforceExpiredSession`, logs in again through
`auth.log_in`, rebuilds the client and replays the call once (singer-io/tap-salesforce#222).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.bulk2 import SFBulk2Handler, SFBulk2Type
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from connectors.base import ConnectorContext
from connectors.errors import AuthFailed, CrmCreditError
from connectors.http import RetryPolicy, build_session
from connectors.salesforce.auth import Login, can_log_in_again, log_in
from connectors.salesforce.budget import ApiBudget
from connectors.salesforce.failures import network_failure, translate
from connectors.salesforce.settings import SalesforceSource

T = TypeVar("T")
log = logging.getLogger(__name__)
CALL_OPTIONS = "client=crm-credit"  # Sforce-Call-Options: lets CDC/audit tell our writes apart
TOKEN_TTL = timedelta(minutes=60)  # shorter than Salesforce's shortest session timeout setting that matters


class SalesforceClient:
    """Calls into one org, each through `run(what, fn)`."""

    def __init__(self, source: str, settings: SalesforceSource, context: ConnectorContext) -> None:
        self.source = source
        self.settings = settings
        self.context = context
        policy = RetryPolicy(sleep=context.sleep or time.sleep)
        self.session = build_session(settings.ca_bundle, policy, read_timeout_s=settings.read_timeout_s)
        self.session.headers["Sforce-Call-Options"] = CALL_OPTIONS
        self.budget = ApiBudget(settings.api_budget_share)
        self.session.hooks["response"].append(self.budget.on_response)
        self.logins = 0
        self._sf: Salesforce | None = None

    # ---- sessions ------------------------------------------------------------------------------

    def _token_key(self) -> str:
        auth = self.settings.auth
        who = getattr(auth, "username", None) or getattr(auth, "consumer_key", "")
        return f"salesforce:{self.source}:{auth.method}:{who}"

    def _cached_login(self) -> Login | None:
        tokens = self.context.tokens
        if tokens is None or not can_log_in_again(self.settings):
            return None
        value = tokens.load_token(self._token_key(), self._now())
        if not value or " " not in value:
            return None
        instance_url, session_id = value.split(" ", 1)
        return Login(session_id, instance_url)

    def _fresh_login(self) -> Login:
        login = log_in(self.settings, self.session)
        self.logins += 1
        if self.context.tokens is not None and can_log_in_again(self.settings):
            expires = self._now() + TOKEN_TTL
            self.context.tokens.save_token(self._token_key(), f"{login.instance_url} {login.session_id}", expires)
        return login

    def _build(self, login: Login) -> Salesforce:
        return Salesforce(
            session_id=login.session_id,
            instance_url=login.instance_url,
            session=self.session,
            version=self.settings.api_version,
            object_pairs_hook=dict,  # plain dicts: rows by the million, OrderedDict buys nothing here
        )

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce client, logging in on first use (or reusing a shared token)."""
        if self._sf is None:
            self._sf = self._build(self._cached_login() or self._fresh_login())
        return self._sf

    @property
    def instance_url(self) -> str:
        """https://host[:port] of the org."""
        return f"https://{self.sf.sf_instance}"

    def relogin(self) -> None:
        """Replace an expired session; a configured session id cannot be renewed."""
        if not can_log_in_again(self.settings):
            raise AuthFailed("the configured Salesforce session id has expired; configure a new one")
        self._sf = self._build(self._fresh_login())

    # ---- calls ---------------------------------------------------------------------------------

    def run(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        """`fn(sf)` within the budget, replayed once after a re-login, errors translated."""
        self.budget.check(what)
        try:
            try:
                return fn(self.sf)
            except SalesforceExpiredSession:
                log.info("Salesforce session expired during %s; logging in again", what)
                self.session.retries["session"] += 1  # replayed after a new login: shown by `status`
                self.relogin()
                self.budget.check(what)
                return fn(self.sf)
        except SalesforceError as exc:
            raise translate(exc, what) from None
        except requests.RequestException as exc:
            raise network_failure(exc, what) from None

    def rest(self, what: str, path: str, method: str = "GET", **kwargs: Any) -> Any:
        """A call to /services/data/vXX.X/{path}; JSON answer (None for 204)."""
        return self.run(what, lambda sf: sf.restful(path, method=method, **kwargs))

    def query_pages(self, what: str, soql: str, include_deleted: bool) -> Iterator[list[dict[str, Any]]]:
        """Each page of a REST query (`queryAll` when include_deleted), following nextRecordsUrl."""
        page = self.run(what, lambda sf: sf.query(soql, include_deleted=include_deleted))
        while True:
            yield list(page.get("records", []))
            if page.get("done", True):
                return
            page = self.run(what, _next_page(str(page["nextRecordsUrl"])))

    def count(self, what: str, soql: str, include_deleted: bool) -> int:
        """totalSize of a `SELECT COUNT() ...` query."""
        page = self.run(what, lambda sf: sf.query(soql, include_deleted=include_deleted))
        return int(page.get("totalSize", 0))

    def bulk_object(self, sobject: str) -> SFBulk2Type:
        """Bulk API 2.0 access to one object with the current session."""
        sf = self.sf
        handler = SFBulk2Handler(sf.session_id, sf.bulk2_url, session=self.session)
        return SFBulk2Type(sobject, handler.bulk2_url, handler.headers, handler.session)

    def identity(self) -> dict[str, Any]:
        """The userinfo document of the integration user (organization_id, user_id)."""
        found = self.run("userinfo", lambda sf: sf.oauth2("userinfo"))
        if not isinstance(found, dict):
            raise CrmCreditError("Salesforce userinfo did not answer a JSON object")
        return found

    def _now(self) -> datetime:
        return self.context.clock() if self.context.clock else datetime.now(UTC)

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def _next_page(locator: str) -> Callable[[Salesforce], Any]:
    """The call that fetches the page at a `nextRecordsUrl`."""

    def fetch(sf: Salesforce) -> Any:
        return sf.query_more(locator, identifier_is_url=True)

    return fetch
