"""Write-back onto Fxiaoke records: `data/update` takes one record per call.

Sent with `triggerApprovalFlow: false` — a tenant's edit approval flow would otherwise hold the
write (record locked, `life_status` in_change) until someone approves it (reference fxiaoke.md §2
"Update", §7 item 5) — and `triggerWorkFlow` as the source configures. Values are checked against
describe before sending (sync.md §9 item 18), so a bad one is a per-record rejection, not a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import RecordWrite, WriteOutcome
from connectors.errors import AuthExpired, RateLimited, TransientError
from connectors.fxiaoke.codes import FxiaokeCallError
from connectors.fxiaoke.schema import FxField
from connectors.fxiaoke.values import NotWritable, to_wire


def data_path(crm_object: str, action: str) -> str:
    """The data path of an object: preset objects and custom (`__c`) objects have separate families."""
    family = "/cgi/crm/custom/v2/data" if crm_object.endswith("__c") else "/cgi/crm/v2/data"
    return f"{family}/{action}"


def wire_values(write: RecordWrite, described: Mapping[str, FxField]) -> dict[str, Any] | WriteOutcome:
    """The write's values in wire format, or the rejection saying which field cannot take its value."""
    wire: dict[str, Any] = {}
    for name, value in write.values.items():
        found = described.get(name)
        if found is None:
            return WriteOutcome(write.crm_id, False, "FIELD_MISSING", f"no field {name!r} (run crm-credit check)")
        if found.readonly:
            return WriteOutcome(write.crm_id, False, "FIELD_READONLY", f"field {name!r} is read-only")
        try:
            wire[name] = to_wire(found, value)
        except NotWritable as why:
            return WriteOutcome(write.crm_id, False, "INVALID_VALUE", f"{name}: {why}")
    return wire


def update_body(crm_object: str, crm_id: str, wire: Mapping[str, Any], trigger_workflow: bool) -> dict[str, Any]:
    """The documented `data/update` body for one record."""
    object_data = {"_id": crm_id, "dataObjectApiName": crm_object, **wire}
    return {
        "data": {"object_data": object_data},
        "triggerApprovalFlow": False,
        "triggerWorkFlow": trigger_workflow,
    }


def outcome_of_failure(crm_id: str, exc: Exception) -> WriteOutcome:
    """A failed update as a per-record outcome; errors that must stop the push are re-raised."""
    if isinstance(exc, FxiaokeCallError):
        return WriteOutcome(crm_id, False, str(exc.code), exc.crm_message or str(exc))
    if isinstance(exc, TransientError) and not isinstance(exc, RateLimited | AuthExpired):
        # -1 / 50009 / a 5xx: maybe applied, maybe not; the same values are safe to send again later.
        return WriteOutcome(crm_id, False, "TRANSIENT", str(exc), transient=True)
    raise exc
