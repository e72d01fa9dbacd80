"""The CRM-neutral harness the connector contract suite drives.

Each CRM provides one module `tests/connectors/contract/harness_<crm>.py` with a module-level
`open_harness(accounts: int) -> CrmHarness` that starts its sandbox (HTTPS on 127.0.0.1) seeded with
about that many accounts, write-back fields already present. The suite then runs the real
`SyncEngine` against it and checks only what a CRM user would see: records in the store, values on
the CRM's accounts, outbox states, run outcomes. CRM actions act as a user or an admin would
(never through the connector) and are not counted as API calls.
"""

from __future__ import annotations

from typing import Any, Protocol

from connectors.base import ObjectKind


class CrmHarness(Protocol):
    """One running sandbox and the actions the contract tests take on it."""

    kind: str  # the source kind the registry builds a connector for
    writeback_fields: tuple[str, ...]  # CRM field names the source table maps for write-back

    def source_table(self) -> dict[str, Any]:
        """The `[sources.NAME]` table (kind, auth, ca_bundle, mappings, writeback) for this sandbox."""
        ...

    def live_ids(self, kind: ObjectKind) -> list[str]:
        """Ids of the records of `kind` that exist (not deleted)."""
        ...

    def open_invoice(self) -> tuple[str, str]:
        """(invoice id, account id) of an open invoice with a positive balance."""
        ...

    def pay_invoice(self, invoice_id: str) -> None:
        """A user records full payment: balance 0, status paid, paid today."""
        ...

    def rename_account(self, account_id: str, name: str) -> None:
        """A user edits a mapped account field (its name)."""
        ...

    def delete(self, kind: ObjectKind, crm_id: str, purge: bool = False) -> None:
        """A user deletes a record; `purge` also empties the recycle bin, so only the CRM's delete log
        remembers it (a purged deletion may be dated a little back, where the log works in coarse steps)."""
        ...

    def expire_auth(self) -> None:
        """Every session or access token the connector holds stops working."""
        ...

    def fail_next_calls(self, status: int, times: int) -> None:
        """The next `times` data API calls are answered with `status` (429 or 503) and the CRM's body."""
        ...

    def reject_next_write(self, account_id: str, message: str) -> None:
        """The next API write of this account fails (one record of a batch) with `message`."""
        ...

    def leave_calls(self, calls: int) -> None:
        """Set the org's usage so the source's api_budget_share is reached after `calls` more API calls."""
        ...

    def lift_budget(self) -> None:
        """Give the org a fresh, ample allowance."""
        ...

    def written(self, account_id: str) -> dict[str, Any]:
        """The account's write-back fields as the CRM holds them now (read in-process, not via the API)."""
        ...

    def write_calls(self) -> int:
        """API calls that carried write-back values, so far."""
        ...

    def close(self) -> None:
        """Stop the sandbox."""
        ...
