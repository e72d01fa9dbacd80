"""Zoho's error answers mapped onto crm-credit's error hierarchy.

Request-level errors are one `{code, details, message, status: "error"}` object [zoho.md §2.7]; the
token endpoint answers HTTP 200 with an `error` key [zoho.md §1]; 429 means either the day's credits
are gone or too many calls are running at once — only the first is a quota to stop on. Messages
carry Zoho's code and wording, never a token, a secret or a request body.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.errors import (
    AuthFailed,
    ConfigError,
    CrmCreditError,
    QuotaExhausted,
    RateLimited,
    TransientError,
)

# Zoho words the two causes of a 429 differently: "...for the 24 hour period is exceeded" against
# "concurrency limit ... exceeded" [Docs: Common Errors]; only the daily one is a quota.
_DAILY_WORDS = ("24 hour", "credit", "per day", "daily")


class ZohoRequestError(CrmCreditError):
    """Zoho refused a request for a reason of its own (HTTP 4xx with Zoho's code)."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"Zoho answered {status} {code}: {message}")
        self.status = status
        self.code = code
        self.details = details or {}


def error_entry(response: requests.Response) -> dict[str, Any]:
    """The error object of a failed answer (also when wrapped in a `data`/`fields`/`watch` list)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if isinstance(body, dict):
        for key in ("data", "fields", "watch"):
            wrapped = body.get(key)
            if isinstance(wrapped, list) and len(wrapped) == 1 and isinstance(wrapped[0], dict):
                return wrapped[0]
        return body
    return {}


def error_code(response: requests.Response) -> str:
    """Zoho's error code of an answer, or ''."""
    return str(error_entry(response).get("code") or "")


def _describe(entry: dict[str, Any], fallback: str) -> tuple[str, str, dict[str, Any]]:
    code = str(entry.get("code") or fallback)
    message = str(entry.get("message") or "").strip() or fallback.lower()
    details = entry.get("details")
    return code, message, details if isinstance(details, dict) else {}


def raise_for_answer(response: requests.Response, what: str) -> None:
    """Raise the crm-credit error for a failed Zoho answer; return quietly for 2xx and 304."""
    status = response.status_code
    if status < 400:
        return
    code, message, details = _describe(error_entry(response), f"HTTP_{status}")
    where = f"Zoho {what}"
    if status == 401:
        raise AuthFailed(f"{where}: {code}: {message} (check the refresh token's scopes and the API user)")
    if status == 403:
        raise ConfigError(f"{where}: {code}: {message} (the API user's profile lacks this permission)")
    if status == 429:
        retry_after = _retry_after(response)
        if any(word in message.lower() for word in _DAILY_WORDS):
            raise QuotaExhausted(f"{where}: the org's daily API credit budget is used up ({code})")
        raise RateLimited(f"{where}: too many concurrent calls ({code}: {message})", retry_after)
    if status >= 500:
        raise TransientError(f"{where}: Zoho answered {status} ({code})")
    if code in ("INVALID_MODULE", "OAUTH_SCOPE_MISMATCH", "NO_PERMISSION"):
        raise ConfigError(f"{where}: {code}: {message}")
    raise ZohoRequestError(status, code, f"{message}{_detail_hint(details)}", details)


def _detail_hint(details: dict[str, Any]) -> str:
    names = [f"{k}={details[k]}" for k in ("api_name", "param_name", "json_path") if k in details]
    return f" ({', '.join(names)})" if names else ""


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def transport_error(exc: requests.RequestException, what: str) -> TransientError:
    """A connection that failed after the session's retries (no URL or body in the message)."""
    return TransientError(f"Zoho {what}: connection failed ({type(exc).__name__})")
