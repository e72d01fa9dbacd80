"""Salesforce's error shapes: REST bodies are JSON arrays of {message, errorCode, fields}."""

from __future__ import annotations

import json

from starlette.responses import Response

# What Salesforce answers when a gateway-level fault is injected without an explicit code.
_DEFAULT_CODES = {
    400: ("Bad request", "BAD_REQUEST"),
    401: ("Session expired or invalid", "INVALID_SESSION_ID"),
    403: ("TotalRequests Limit exceeded.", "REQUEST_LIMIT_EXCEEDED"),
    404: ("The requested resource does not exist", "NOT_FOUND"),
    429: ("Too many requests; retry later", "REQUEST_LIMIT_EXCEEDED"),
    500: ("An unexpected error occurred. Please include this ErrorId if you contact support", "UNKNOWN_EXCEPTION"),
    502: ("Bad gateway", "SERVER_UNAVAILABLE"),
    503: ("Server temporarily unavailable. Please try again later.", "SERVER_UNAVAILABLE"),
}


class SfError(Exception):
    """A request-level failure answered with Salesforce's JSON error array."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, object]]:
        """The JSON array Salesforce sends (`fields` only when the error names fields)."""
        item: dict[str, object] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]

    def response(self) -> Response:
        """This error as an HTTP response."""
        return json_response(self.body(), self.status)


class RecordError(Exception):
    """A per-record failure (Collections, DML): reported as {statusCode, message, fields}."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields or []
        self.status = status
        self.record_id: str | None = None  # set by Collections when the failing record named an id

    def as_collection_error(self) -> dict[str, object]:
        """The error item inside a Collections result (note: `statusCode`, not `errorCode`)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def as_sf_error(self) -> SfError:
        """The same failure on a single-record endpoint."""
        return SfError(self.status, self.code, self.message, self.fields)


def json_response(value: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response the way Salesforce labels it."""
    return Response(json.dumps(value), status, headers=headers, media_type="application/json;charset=UTF-8")


def error_body(status: int, code: str) -> Response:
    """The body for an injected fault (FaultMiddleware's hook)."""
    message, default_code = _DEFAULT_CODES.get(status, ("Error", "UNKNOWN_EXCEPTION"))
    return json_response([{"message": message, "errorCode": code or default_code}], status)


def not_found() -> SfError:
    """404 for an unknown resource or record."""
    return SfError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> SfError:
    """401 the way simple-salesforce recognises it (a list whose first errorCode is INVALID_SESSION_ID)."""
    return SfError(401, "INVALID_SESSION_ID", "Session expired or invalid")
