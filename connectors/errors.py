"""One error hierarchy on two axes: what to do (retry / stop / skip) and whose fault it is.

Engines and the CLI decide from `action` and `fault` alone, never from the concrete CRM.
Messages never contain secrets: tokens, passwords and signatures are not interpolated anywhere.
"""

from __future__ import annotations

from typing import ClassVar, Literal

Action = Literal["retry", "stop", "skip"]
Fault = Literal["transient", "config", "data", "system"]


class CrmCreditError(Exception):
    """Base of every error crm-credit raises on purpose."""

    action: ClassVar[Action] = "stop"
    fault: ClassVar[Fault] = "system"


def classify(exc: CrmCreditError) -> dict[str, str]:
    """How a run report names an error: its class and its two axes (what to do, whose fault)."""
    return {"class": type(exc).__name__, "action": exc.action, "fault": exc.fault}


class ConfigError(CrmCreditError):
    """The configuration or mapping is wrong; a person must fix it (exit code 2)."""

    fault = "config"


class AuthFailed(ConfigError):
    """Credentials were refused outright (not merely expired)."""


class SchemaDrift(ConfigError):
    """A mapped field is missing or unusable in the CRM; the object keeps syncing without it."""

    action = "skip"


class TransientError(CrmCreditError):
    """Worth retrying later: timeouts, 5xx, connection resets."""

    action = "retry"
    fault = "transient"


class RateLimited(TransientError):
    """The CRM asked us to slow down (HTTP 429 or its equivalent)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthExpired(TransientError):
    """The session or access token expired; re-authenticate once and replay."""


class QuotaExhausted(CrmCreditError):
    """The org's API allowance is used up; stop cleanly and resume on a later run. Never retried."""

    fault = "transient"


class BudgetExhausted(QuotaExhausted):
    """Our own share of the org's allowance (`api_budget_share`) is reached."""


class RecordRejected(CrmCreditError):
    """The CRM refused one record (validation rule, bad picklist value). Never retried."""

    action = "skip"
    fault = "data"

    def __init__(self, crm_id: str, code: str, message: str) -> None:
        super().__init__(f"{crm_id}: {code}: {message}")
        self.crm_id = crm_id
        self.code = code
        self.crm_message = message


class NotificationRejected(CrmCreditError):
    """An inbound notification failed verification; answered 4xx and changes nothing."""

    action = "skip"
    fault = "data"

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
