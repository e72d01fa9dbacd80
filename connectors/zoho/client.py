"""`ZohoClient`: the few Zoho CRM v8 endpoints crm-credit needs, for one org, on the retrying session.

Every call carries `Authorization: Zoho-oauthtoken <token>` (the only form Zoho documents), is
priced in credits before it is sent (`CreditMeter`), and on 401 `INVALID_TOKEN` gets one fresh
token and one replay — a revoked or early-expired token then costs one extra call, not a failed run.
429/5xx/connection errors are retried by the session (tenacity, honouring `Retry-After`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.base import ConnectorContext
from connectors.http import RetryingSession, RetryPolicy, build_session
from connectors.zoho import credits as cost
from connectors.zoho.auth import AccessToken, TokenManager
from connectors.zoho.credits import CreditMeter
from connectors.zoho.errors import error_code, raise_for_answer, transport_error
from connectors.zoho.settings import ZohoSource
from connectors.zoho.values import format_datetime, require_api_name

API_PATH = "/crm/v8"
PER_PAGE = 200  # Zoho's maximum page size [zoho.md §2.1]
_UNBILLED = frozenset({401, 429})  # refused before any work: Zoho bills neither


@dataclass(frozen=True)
class Page:
    """One answer of the list API: rows and the `info` block (empty for 204/304)."""

    rows: list[dict[str, Any]]
    info: dict[str, Any]

    @property
    def next_token(self) -> str | None:
        """`info.next_page_token`, when Zoho gave one."""
        token = self.info.get("next_page_token")
        return str(token) if token else None

    @property
    def more(self) -> bool:
        """`info.more_records`."""
        return bool(self.info.get("more_records"))


def _real_clock() -> datetime:
    return datetime.now(UTC)


class ZohoClient:
    """One org's API: token handling, credit accounting, error mapping, typed endpoint calls."""

    def __init__(self, settings: ZohoSource, context: ConnectorContext, session: RetryingSession | None = None) -> None:
        self.settings = settings
        self.clock: Callable[[], datetime] = context.clock or _real_clock
        policy = RetryPolicy(sleep=context.sleep or time.sleep)
        self.session = session or build_session(settings.ca_bundle, policy, read_timeout_s=settings.read_timeout_s)
        self.auth = TokenManager(settings, self.session, self.clock, context.tokens)
        self.meter = CreditMeter(
            context.source, settings.api_daily_limit, settings.api_budget_share, context.usage, self.clock
        )

    # ---- transport -------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        credits: int,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        what: str = "call",
        per_record: bool = False,
    ) -> requests.Response:
        """One API call under `/crm/v8`; `per_record` answers (PUT, field creation) may be 400 with data."""
        self.meter.reserve(credits)
        token = self.auth.token()
        response = self._send(method, token, path, params, json, headers, what)
        if response.status_code == 401 and error_code(response) == "INVALID_TOKEN":
            # Revoked or expired before its time: one fresh token, one replay [zoho.md §1].
            token = self.auth.invalidate(token)
            self.session.retries["session"] += 1  # replayed with a new token: shown by `status`
            response = self._send(method, token, path, params, json, headers, what)
        if response.status_code not in _UNBILLED and response.status_code < 500:
            self.meter.record(credits)
        if per_record and response.status_code == 400 and _has_entries(response):
            return response
        raise_for_answer(response, what)
        return response

    def _send(
        self,
        method: str,
        token: AccessToken,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
        what: str,
    ) -> requests.Response:
        sent = {"Authorization": f"Zoho-oauthtoken {token.value}", **(headers or {})}
        try:
            return self.session.request(
                method, f"{token.api_domain}{API_PATH}{path}", params=params, json=body, headers=sent
            )
        except requests.RequestException as exc:
            raise transport_error(exc, what) from None

    # ---- records ---------------------------------------------------------------------------

    def list_page(
        self,
        module: str,
        fields: Sequence[str],
        *,
        since: datetime | None = None,
        page: int | None = None,
        page_token: str | None = None,
        ids: Sequence[str] | None = None,
        by_modified: bool = True,
    ) -> Page:
        """One page of `GET /{module}`: `page` or `page_token` (never both), newest changes last."""
        params: dict[str, Any] = {"fields": ",".join(fields), "per_page": PER_PAGE}
        if by_modified:
            params.update(sort_by="Modified_Time", sort_order="asc")
        if page_token is not None:
            params["page_token"] = page_token
        elif page is not None:
            params["page"] = page
        if ids:
            params["ids"] = ",".join(ids)
        headers = {"If-Modified-Since": format_datetime(since)} if since is not None else None
        response = self.call(
            "GET",
            f"/{require_api_name(module, 'module')}",
            cost.list_credits(),
            params=params,
            headers=headers,
            what=f"list {module}",
        )
        return _page(response)

    def deleted_page(self, module: str, page: int, since: datetime | None) -> Page:
        """One page of `GET /{module}/deleted?type=all` (recycle bin and permanent deletions)."""
        headers = {"If-Modified-Since": format_datetime(since)} if since is not None else None
        params = {"type": "all", "page": page, "per_page": PER_PAGE}
        response = self.call(
            "GET",
            f"/{require_api_name(module, 'module')}/deleted",
            cost.deleted_credits(),
            params=params,
            headers=headers,
            what=f"deleted {module}",
        )
        return _page(response)

    def coql(self, query: str, limit: int) -> Page:
        """`POST /coql` with a query the caller built from validated names and ids only."""
        response = self.call("POST", "/coql", cost.coql_credits(limit), json={"select_query": query}, what="COQL")
        return _page(response)

    def update(self, module: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """`PUT /{module}` with up to 100 records; Zoho's per-record results, in request order."""
        return self._write("PUT", module, records, "update")

    def insert(self, module: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """`POST /{module}` with up to 100 records; Zoho's per-record results (201, 207 or 400), in order."""
        return self._write("POST", module, records, "insert")

    def _write(self, method: str, module: str, records: Sequence[Mapping[str, Any]], verb: str) -> list[dict[str, Any]]:
        response = self.call(
            method,
            f"/{require_api_name(module, 'module')}",
            cost.update_credits(len(records)),
            json={"data": list(records)},
            what=f"{verb} {module}",
            per_record=True,
        )
        entries = response.json().get("data")
        return [e if isinstance(e, dict) else {} for e in entries] if isinstance(entries, list) else []

    # ---- metadata and notifications ----------------------------------------------------------

    def fields(self, module: str) -> list[dict[str, Any]]:
        """`GET /settings/fields?module=`: every field of a module."""
        response = self.call(
            "GET",
            "/settings/fields",
            cost.list_credits(),
            params={"module": require_api_name(module, "module")},
            what=f"fields of {module}",
        )
        found = response.json().get("fields") if response.status_code == 200 else None
        return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []

    def create_fields(self, module: str, specs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """`POST /settings/fields?module=` with up to 5 definitions; per-field results in order."""
        response = self.call(
            "POST",
            "/settings/fields",
            cost.list_credits(),
            params={"module": module},
            json={"fields": list(specs)},
            what=f"create fields on {module}",
            per_record=True,
        )
        found = response.json().get("fields")
        return [f if isinstance(f, dict) else {} for f in found] if isinstance(found, list) else []

    def watch(self, method: str, entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """`POST|PATCH /actions/watch`: enable or renew channels; per-channel results in order."""
        response = self.call(
            method,
            "/actions/watch",
            cost.list_credits(),
            json={"watch": list(entries)},
            what="actions/watch",
            per_record=True,
        )
        found = response.json().get("watch")
        return [w if isinstance(w, dict) else {} for w in found] if isinstance(found, list) else []

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()


def _has_entries(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and any(isinstance(body.get(k), list) for k in ("data", "fields", "watch"))


def _page(response: requests.Response) -> Page:
    if response.status_code in (204, 304) or not response.content:
        return Page([], {})
    body = response.json()
    rows = body.get("data") if isinstance(body, dict) else None
    info = body.get("info") if isinstance(body, dict) else None
    return Page(
        [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else [],
        info if isinstance(info, dict) else {},
    )
