"""Versions, the resource directory and /limits."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.api.base import Call, json_body
from sandbox.salesforce.state import API_VERSIONS, version_label

RESOURCES = ("sobjects", "query", "queryAll", "limits", "composite", "jobs/query", "tooling")


async def versions(request: Request) -> Response:
    """GET /services/data/ (not counted against the API limit, needs no session)."""
    return json_body([{"label": version_label(v), "url": f"/services/data/v{v}", "version": v} for v in API_VERSIONS])


def resources(call: Call) -> Response:
    """GET /services/data/vXX.X/."""
    return json_body({name: f"/services/data/v{call.version}/{name}" for name in RESOURCES})


def limits(call: Call) -> Response:
    """GET limits/: DailyApiRequests reflects the calls counted so far (this one included)."""
    budget = call.state.budget

    def pair(maximum: int, remaining: int) -> dict[str, int]:
        return {"Max": maximum, "Remaining": remaining}

    return json_body(
        {
            "ConcurrentAsyncGetReportInstances": pair(200, 200),
            "DailyApiRequests": pair(budget.limit, max(0, budget.limit - budget.used)),
            "DailyAsyncApexExecutions": pair(250000, 250000),
            "DailyBulkApiBatches": pair(15000, 15000),
            "DailyBulkV2QueryFileStorageMB": pair(976562, 976562),
            "DailyBulkV2QueryJobs": pair(10000, 10000 - len(call.state.jobs)),
            "DataStorageMB": pair(5, 5),
            "FileStorageMB": pair(20, 20),
            "HourlyODataCallout": pair(10000, 10000),
            "SingleEmail": pair(5000, 5000),
        }
    )
