"""Write-back through sObject Collections: `PATCH composite/sobjects`, 200 records, allOrNone=false.

Salesforce answers HTTP 200 with one result per record *in request order*; a failed record may
carry no id, so results are matched by position, never by id (simple-salesforce#627). Values a
restricted picklist would refuse are rejected here without a call (MinnPost#128).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.base import RecordWrite, WriteOutcome
from connectors.errors import ConfigError, TransientError
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.failures import TRANSIENT_RECORD_CODES, error_parts
from connectors.salesforce.schema import ObjectSchema

BATCH_SIZE = 200  # the Collections limit


def json_value(value: Any) -> Any:
    """A Python value as Salesforce's REST JSON wants it (money as a number, dates ISO)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str | float):
        return value
    if isinstance(value, Decimal):
        as_float = float(value)
        # A JSON number when it survives the round trip exactly; otherwise Salesforce parses the text.
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _picklist_refusal(crm_id: str, schema: ObjectSchema, values: Mapping[str, Any]) -> WriteOutcome | None:
    for name, value in values.items():
        if value is None or not schema.restricted(name):
            continue
        allowed = schema.picklist(name)
        if str(value) not in allowed:
            message = f"bad value for restricted picklist field {name}: {value} (allowed: {', '.join(allowed)})"
            return WriteOutcome(crm_id, False, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message)
    return None


def _outcome(crm_id: str, result: Any) -> WriteOutcome:
    if isinstance(result, Mapping) and result.get("success"):
        return WriteOutcome(crm_id, True)
    errors = result.get("errors") if isinstance(result, Mapping) else None
    code, message = error_parts(errors or [{"statusCode": "UNKNOWN_EXCEPTION", "message": "no result"}])
    return WriteOutcome(crm_id, False, code or "UNKNOWN_EXCEPTION", message, transient=code in TRANSIENT_RECORD_CODES)


def check_writable(schema: ObjectSchema, unusable: set[str], writes: Sequence[RecordWrite]) -> None:
    """Refuse the whole push when a write targets a missing or read-only field (a setup problem)."""
    for write in writes:
        for name in write.values:
            if name in unusable or not schema.has(name):
                raise ConfigError(
                    f"write-back field {schema.name}.{name} is missing or not writable; "
                    "run `crm-credit setup-fields` (or fix its field-level security) and push again"
                )


def push_batch(client: SalesforceClient, schema: ObjectSchema, writes: Sequence[RecordWrite]) -> list[WriteOutcome]:
    """Send up to 200 writes in one call; one outcome per write, in the order given."""
    outcomes: dict[int, WriteOutcome] = {}
    records: list[dict[str, Any]] = []
    sent_at: list[int] = []
    for position, write in enumerate(writes):
        refusal = _picklist_refusal(write.crm_id, schema, write.values)
        if not soql.is_record_id(write.crm_id):
            outcomes[position] = WriteOutcome(write.crm_id, False, "MALFORMED_ID", "not a Salesforce record id")
        elif refusal is not None:
            outcomes[position] = refusal
        else:
            body = {name: json_value(value) for name, value in write.values.items()}
            records.append({"attributes": {"type": schema.name}, "id": soql.to18(write.crm_id), **body})
            sent_at.append(position)
    if records:
        payload = json.dumps({"allOrNone": False, "records": records})
        results = client.rest(f"update {schema.name}", "composite/sobjects", method="PATCH", data=payload)
        if not isinstance(results, list) or len(results) != len(records):
            raise TransientError(f"Salesforce update {schema.name}: the answer did not list one result per record")
        for position, result in zip(sent_at, results, strict=True):
            outcomes[position] = _outcome(writes[position].crm_id, result)
    return [outcomes[i] for i in range(len(writes))]
