"""simple-salesforce exceptions onto crm-credit's error hierarchy.

By the time an error reaches here the retrying session has already retried 429/5xx, so what is
left is the final answer. Messages carry Salesforce's errorCode and message, never a URL with a
token or any credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from connectors.errors import (
    AuthExpired,
    AuthFailed,
    ConfigError,
    CrmCreditError,
    QuotaExhausted,
    RateLimited,
    SchemaDrift,
    TransientError,
)

# Per-record codes of a Collections call that a later retry of the same values can cure.
TRANSIENT_RECORD_CODES = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",  # another transaction held the row
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",  # rolled back because a sibling failed
        "SERVER_UNAVAILABLE",
        "REQUEST_RUNNING_TOO_LONG",
        "QUERY_TIMEOUT",
    }
)
_SCHEMA_CODES = frozenset({"INVALID_FIELD", "INVALID_TYPE", "NO_SUCH_COLUMN", "INVALID_FIELD_FOR_INSERT_UPDATE"})
_MAX_MESSAGE = 300


def error_parts(content: Any) -> tuple[str, str]:
    """(errorCode, message) of Salesforce's error body: a JSON array of {message, errorCode}."""
    first: Any = content[0] if isinstance(content, list) and content else content
    if isinstance(first, Mapping):
        code = str(first.get("errorCode") or first.get("statusCode") or first.get("error") or "")
        message = str(first.get("message") or first.get("error_description") or "")
        return code, message[:_MAX_MESSAGE]
    if isinstance(first, bytes):
        first = first.decode("utf-8", "replace")
    return "", str(first or "")[:_MAX_MESSAGE]


def _login_failure(exc: SalesforceAuthenticationFailed) -> CrmCreditError:
    code = exc.code
    if isinstance(code, int) and (code == 429 or code >= 500):
        return TransientError(f"Salesforce login answered HTTP {code}; try again later")
    detail = f"{code}: {exc.auth_message}" if code else exc.auth_message
    return AuthFailed(f"Salesforce refused the login ({detail[:_MAX_MESSAGE]})")


def translate(exc: SalesforceError, what: str) -> CrmCreditError:
    """The crm-credit error for a failed Salesforce call (`what` names the call, e.g. "query Account")."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        return _login_failure(exc)
    code, message = error_parts(exc.content)
    text = f"Salesforce {what}: HTTP {exc.status} {code}: {message}".rstrip(": ")
    status = exc.status
    if status == 401:
        return AuthExpired(text)
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        return QuotaExhausted(f"{text} (the org's daily API allowance is used up)")
    if status == 429:
        return RateLimited(text)
    if status >= 500:
        return TransientError(text)
    if code in _SCHEMA_CODES or status == 404:
        return SchemaDrift(text)
    if status == 403:
        return ConfigError(f"{text} (check the integration user's permissions)")
    return CrmCreditError(text)


def network_failure(exc: requests.RequestException, what: str) -> TransientError:
    """A connection that failed even after the session's retries."""
    return TransientError(f"Salesforce {what}: {type(exc).__name__} (network)")
