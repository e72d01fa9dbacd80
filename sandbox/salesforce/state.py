"""Everything one running sandbox holds: the org, logins, API budget, query cursors and Bulk jobs."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sandbox.salesforce.ids import mint
from sandbox.salesforce.org import Org
from sandbox.salesforce.sessions import Credentials, Sessions
from sandbox.salesforce.soql.execute import QueryResult

API_VERSIONS = tuple(f"{v}.0" for v in range(31, 65))  # v31.0 … v64.0, all served at once
MAX_CURSORS = 200


def version_label(version: str) -> str:
    """Release name of an API version: v59.0 → "Winter '24"."""
    n = int(float(version)) - 20
    return f"{('Winter', 'Spring', 'Summer')[n % 3]} '{11 + n // 3:02d}"


@dataclass
class Cursor:
    """An open query result that `nextRecordsUrl` pages through."""

    result: QueryResult
    batch_size: int
    tooling: bool


@dataclass
class ApiBudget:
    """The org's daily API request allowance, counted per call as Salesforce bills it."""

    limit: int
    used: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spend(self) -> bool:
        """Count one call; False (and not counted) once the allowance is used up."""
        with self._lock:
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    def header(self) -> str:
        """The Sforce-Limit-Info value."""
        return f"api-usage={self.used}/{self.limit}"


class SandboxState:
    """Shared by the HTTP app, the control API and the outbound sender."""

    def __init__(self, org: Org, credentials: Credentials, api_limit: int, session_ttl_s: float | None) -> None:
        self.org = org
        self.credentials = credentials
        self.sessions = Sessions(org.org_id, session_ttl_s)
        self.budget = ApiBudget(api_limit)
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        self.jobs: dict[str, object] = {}
        self.bulk_processing_s = 0.0  # how long a Bulk 2.0 query job stays InProgress
        self.auto_grant_new_fields = False  # True: Tooling-created fields are readable/editable at once
        self.base_url = ""  # https://127.0.0.1:PORT once the server listens
        self._counter = 0

    def new_cursor(self, result: QueryResult, batch_size: int, tooling: bool) -> str:
        """Keep a result for paging; returns its locator id (oldest cursors are dropped, as Salesforce expires them)."""
        self._counter += 1
        cursor_id = mint("01g", self.org.instance, self._counter)
        self.cursors[cursor_id] = Cursor(result, batch_size, tooling)
        while len(self.cursors) > MAX_CURSORS:
            self.cursors.popitem(last=False)
        return cursor_id

    def new_job_id(self) -> str:
        """A Bulk API job id (key prefix 750)."""
        self._counter += 1
        return mint("750", self.org.instance, self._counter)
