"""Zoho's error bodies: `{code, details, message, status: "error"}` at request level or inside `data[]`.

Shapes and wording follow Zoho's own OpenAPI examples (repo zoho/crm-oas, v8.0) as quoted in
shared/reference/zoho.md §2.7; codes without a published message get a plain one.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

# Default wording per code, from the v8 OAS examples where one exists.
MESSAGES: dict[str, str] = {
    "INVALID_TOKEN": "invalid oauth token",
    "AUTHENTICATION_FAILURE": "Authentication failed",
    "OAUTH_SCOPE_MISMATCH": "invalid oauth scope to access this URL",
    "REQUIRED_PARAM_MISSING": "required param is missing",
    "INVALID_DATA": "invalid data",
    "INVALID_MODULE": "the module name given seems to be invalid",
    "INVALID_URL_PATTERN": "Please check if the URL trying to access is a correct one",
    "INVALID_REQUEST_METHOD": "The http request method type is not a valid one",
    "LIMIT_EXCEEDED": "limit exceeded",
    "DISCRETE_PAGINATION_LIMIT_EXCEEDED": "You can only get the first 2000 records without using page_token param",
    "PAGINATION_LIMIT_EXCEEDED": "You can only get upto 100000 records using page_token param",
    "TOKEN_BOUND_DATA_MISMATCH": (
        "The page_token given seems to be invalid or input param is added or altered or deleted"
    ),
    "EXPIRED_VALUE": "the given page_token has expired",
    "AMBIGUITY_DURING_PROCESSING": "ambiguity while processing the request",
    "MANDATORY_NOT_FOUND": "required field not found",
    "DUPLICATE_DATA": "duplicate data",
    "TOO_MANY_REQUESTS": "Rate limit exceeded. Please retry after the specified time.",
    "INTERNAL_ERROR": "Internal Server Error",
    "SYNTAX_ERROR": "error occured while parsing the query",
    "INVALID_QUERY": "Invalid query formed",
    "RECORD_LOCKED": "the record is locked",
}

# The code a bare status maps to when a fault is injected without one.
CODE_FOR_STATUS: dict[int, str] = {
    400: "INVALID_DATA",
    401: "INVALID_TOKEN",
    403: "NO_PERMISSION",
    404: "INVALID_URL_PATTERN",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    502: "INTERNAL_ERROR",
    503: "INTERNAL_ERROR",
    504: "INTERNAL_ERROR",
}


def error_entry(code: str, details: dict[str, Any] | None = None, message: str | None = None) -> dict[str, Any]:
    """One Zoho error object, as sent alone or inside `data[]`."""
    return {"code": code, "details": details or {}, "message": message or MESSAGES.get(code, code), "status": "error"}


class ZohoError(Exception):
    """A request-level failure, rendered as Zoho renders it (`wrap` puts it inside a list key)."""

    def __init__(
        self,
        status: int,
        code: str,
        details: dict[str, Any] | None = None,
        message: str | None = None,
        wrap: str | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.entry = error_entry(code, details, message)
        self.wrap = wrap

    def response(self) -> Response:
        """The HTTP response Zoho would send for this error."""
        body: Any = {self.wrap: [self.entry]} if self.wrap else self.entry
        return JSONResponse(body, status_code=self.status)


def fault_body(status: int, code: str) -> Response:
    """Error body for an injected fault (the `FaultMiddleware` hook)."""
    chosen = code or CODE_FOR_STATUS.get(status, "INTERNAL_ERROR")
    return JSONResponse(error_entry(chosen), status_code=status)
