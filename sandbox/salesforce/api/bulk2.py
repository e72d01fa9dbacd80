"""Bulk API 2.0 query jobs: create, status, CSV results paged by `Sforce-Locator`, abort, delete.

The query runs when the job is created (a snapshot, as Salesforce's extract is); the job reads
InProgress for `bulk_processing_s`, then JobComplete. The last results page says `Sforce-Locator: null`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import time
from dataclasses import dataclass

from starlette.responses import Response

from sandbox.salesforce.api.base import Call, json_body
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.soql.execute import QueryResult, run_query
from sandbox.salesforce.soql.parser import parse
from sandbox.salesforce.values import now_ms, rest_datetime
from sandbox.salesforce.wire import csv_cells, flat_columns

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
DEFAULT_MAX_RECORDS = 50_000


@dataclass
class QueryJob:
    """One Bulk 2.0 query job."""

    id: str
    operation: str
    query: str
    version: str
    created: int
    created_by: str
    line_ending: str
    delimiter: str
    result: QueryResult
    started: float
    state: str = "UploadComplete"

    def current_state(self, processing_s: float) -> str:
        """Aborted stays aborted; otherwise InProgress until processing time has passed."""
        if self.state in ("Aborted", "Failed", "JobComplete"):
            return self.state
        if time.monotonic() - self.started >= processing_s:
            self.state = "JobComplete"
            return self.state
        return "InProgress"

    def info(self, state: str, full: bool) -> dict[str, object]:
        """JobInfo as Salesforce returns it (the create answer has fewer keys than a status poll)."""
        out: dict[str, object] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.result.table.sobject.name,
            "createdById": self.created_by,
            "createdDate": rest_datetime(self.created),
            "systemModstamp": rest_datetime(self.created),
            "state": state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
        }
        if full:
            out.update(
                {
                    "jobType": "V2Query",
                    "numberRecordsProcessed": len(self.result.indexes) if state == "JobComplete" else 0,
                    "retries": 0,
                    "totalProcessingTime": 0,
                    "isPkChunkingSupported": True,
                }
            )
        return out


def _job(call: Call) -> QueryJob:
    job = call.state.jobs.get(call.params["job_id"])
    if not isinstance(job, QueryJob):
        raise not_found()
    return job


def create(call: Call) -> Response:
    """POST jobs/query {"operation": "query"|"queryAll", "query": ...} → JobInfo (UploadComplete)."""
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise SfError(400, "API_ERROR", "Invalid request: query is required")
    operation = body.get("operation")
    if operation not in ("query", "queryAll"):
        raise SfError(400, "API_ERROR", f"Invalid operation: {operation}")
    line_ending = str(body.get("lineEnding", "LF"))
    delimiter = str(body.get("columnDelimiter", "COMMA"))
    if line_ending not in ("LF", "CRLF") or delimiter not in DELIMITERS:
        raise SfError(400, "API_ERROR", "Invalid lineEnding or columnDelimiter")
    parsed = parse(body["query"])
    if parsed.count_only or parsed.group_by or parsed.offset is not None:
        raise SfError(400, "API_ERROR", "Aggregate, COUNT() and OFFSET queries are not supported by Bulk API 2.0")
    result = run_query(call.org.data, body["query"], include_deleted=operation == "queryAll")
    if result.aggregate_records is not None:
        raise SfError(400, "API_ERROR", "Aggregate queries are not supported by Bulk API 2.0")
    job = QueryJob(
        call.state.new_job_id(),
        str(operation),
        body["query"],
        call.version,
        now_ms(),
        call.session.user_id,
        line_ending,
        delimiter,
        result,
        time.monotonic(),
    )
    call.state.jobs[job.id] = job
    return json_body(job.info("UploadComplete", full=False))


def status(call: Call) -> Response:
    """GET jobs/query/{id}."""
    job = _job(call)
    return json_body(job.info(job.current_state(call.state.bulk_processing_s), full=True))


def listing(call: Call) -> Response:
    """GET jobs/query."""
    jobs = [j for j in call.state.jobs.values() if isinstance(j, QueryJob)]
    records = [j.info(j.current_state(call.state.bulk_processing_s), full=False) for j in jobs]
    return json_body({"done": True, "records": records, "nextRecordsUrl": None})


def abort(call: Call) -> Response:
    """PATCH jobs/query/{id} {"state": "Aborted"}."""
    job = _job(call)
    body = call.json()
    if not isinstance(body, dict) or body.get("state") != "Aborted":
        raise SfError(400, "API_ERROR", "Invalid state transition: only Aborted is allowed for query jobs")
    if job.current_state(call.state.bulk_processing_s) in ("JobComplete", "Failed"):
        raise SfError(400, "API_ERROR", f"Job {job.id} is already complete and cannot be aborted")
    job.state = "Aborted"
    return json_body(job.info("Aborted", full=False))


def delete(call: Call) -> Response:
    """DELETE jobs/query/{id} → 204 (only once the job has stopped)."""
    job = _job(call)
    if job.current_state(call.state.bulk_processing_s) not in ("JobComplete", "Aborted", "Failed"):
        raise SfError(400, "API_ERROR", f"Job {job.id} is in progress and cannot be deleted")
    del call.state.jobs[job.id]
    return Response(status_code=204)


def _offset_of(locator: str) -> int:
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SfError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


def results(call: Call) -> Response:
    """GET jobs/query/{id}/results?maxRecords=&locator= → CSV page with Sforce-Locator / Sforce-NumberOfRecords."""
    job = _job(call)
    if job.current_state(call.state.bulk_processing_s) != "JobComplete":
        raise SfError(412, "JOB_NOT_COMPLETE", "Job is not complete; results are not available yet")
    if job.version != call.version:
        raise SfError(409, "API_ERROR", f"Job was created with API version {job.version}; use the same version")
    max_records = int(call.query.get("maxRecords") or DEFAULT_MAX_RECORDS)
    locator = call.query.get("locator")
    offset = _offset_of(locator) if locator and locator != "null" else 0
    indexes = job.result.indexes[offset : offset + max_records]
    columns = flat_columns(job.result.shape)
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=DELIMITERS[job.delimiter],
        quoting=csv.QUOTE_ALL,
        lineterminator="\r\n" if job.line_ending == "CRLF" else "\n",
    )
    writer.writerow([header for header, *_ in columns])
    rows = job.result.table.rows
    count = 0
    for index in indexes:
        row = rows[index]
        if row is not None:
            writer.writerow(csv_cells(columns, row))
            count += 1
    end = offset + max_records
    next_locator = base64.b64encode(str(end).encode()).decode().rstrip("=") if end < len(job.result.indexes) else "null"
    headers = {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(count)}
    return Response(out.getvalue().encode(), 200, headers=headers, media_type="text/csv")
