"""Write-back: one PUT of up to 100 records, and each record's own result, whatever the HTTP status."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import responses

from connectors.base import RecordWrite
from connectors.errors import ConfigError
from connectors.zoho.errors import ZohoRequestError
from tests.connectors.zoho.builders import API, kit
from tests.connectors.zoho.conftest import grant

PUT_URL = f"{API}/crm/v8/Accounts"
IDS = [str(4876543200001000000 + n) for n in range(4)]


def ok(crm_id: str) -> dict[str, object]:
    details = {"Modified_Time": "2026-11-28T17:30:00+05:30", "id": crm_id}
    return {"code": "SUCCESS", "details": details, "message": "record updated", "status": "success"}


def refused(crm_id: str, code: str = "INVALID_DATA", field: str = "Credit_Status") -> dict[str, object]:
    details = {
        "expected_data_type": "picklist",
        "api_name": field,
        "json_path": "$.data[1].Credit_Status",
        "id": crm_id,
    }
    return {"code": code, "details": details, "message": "invalid data", "status": "error"}


def _writes(n: int = 3) -> list[RecordWrite]:
    return [RecordWrite(IDS[i], {"Credit_Score": 70 + i}) for i in range(n)]


def test_a_mixed_207_marks_exactly_the_failed_record_rejected(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("PUT", PUT_URL, json={"data": [ok(IDS[0]), refused(IDS[1]), ok(IDS[2])]}, status=207)
    outcomes = kit().connector.push(_writes())
    assert [(o.crm_id, o.ok) for o in outcomes] == [(IDS[0], True), (IDS[1], False), (IDS[2], True)]
    assert outcomes[1].code == "INVALID_DATA"
    assert outcomes[1].message == "invalid data (field Credit_Status)"
    assert not outcomes[1].transient


def test_an_all_failed_400_is_read_record_by_record(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("PUT", PUT_URL, json={"data": [refused(IDS[0]), refused(IDS[1], "RECORD_LOCKED")]}, status=400)
    first, second = kit().connector.push(_writes(2))
    assert (first.ok, first.transient) == (False, False)
    assert (second.ok, second.code, second.transient) == (False, "RECORD_LOCKED", True)


def test_a_200_with_a_failed_entry_is_still_a_failure(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("PUT", PUT_URL, json={"data": [ok(IDS[0]), refused(IDS[1])]}, status=200)
    assert [o.ok for o in kit().connector.push(_writes(2))] == [True, False]


def test_values_go_out_in_zohos_json_forms(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("PUT", PUT_URL, json={"data": [ok(IDS[0])]})
    values = {"Credit_Limit": Decimal("25000"), "Utilization": Decimal("0.4375"),
              "Credit_Next_Review": date(2027, 1, 31), "Credit_Flags": None, "Credit_Score": 71,
              "Credit_Evaluated": datetime(2026, 11, 28, 12, 0, 5, 123, tzinfo=UTC)}  # fmt: skip
    kit().connector.push([RecordWrite(IDS[0], values)])
    sent = json.loads(zoho_api.calls[-1].request.body)
    assert sent == {"data": [{"id": IDS[0], "Credit_Limit": 25000, "Utilization": 0.4375,
                              "Credit_Next_Review": "2027-01-31", "Credit_Evaluated": "2026-11-28T12:00:05+00:00",
                              "Credit_Flags": None, "Credit_Score": 71}]}  # fmt: skip


def test_a_result_naming_another_record_gives_that_record_no_outcome(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    zoho_api.add("PUT", PUT_URL, json={"data": [ok(IDS[0]), ok(IDS[3])]}, status=200)
    outcomes = kit().connector.push(_writes(2))
    assert [o.crm_id for o in outcomes] == [IDS[0]]  # the engine reads the other one back


def test_a_request_level_error_wrapped_in_data_is_an_error_not_outcomes(zoho_api: responses.RequestsMock) -> None:
    grant(zoho_api)
    limit = {"code": "LIMIT_EXCEEDED", "details": {"maximum_length": 100}, "message": "too many", "status": "error"}
    zoho_api.add("PUT", PUT_URL, json={"data": [limit]}, status=400)
    with pytest.raises(ZohoRequestError, match="LIMIT_EXCEEDED"):
        kit().connector.push(_writes(3))


def test_more_than_100_records_are_refused_before_any_call() -> None:
    k = kit()
    writes = [RecordWrite(str(4876543200001000000 + n), {"Credit_Score": 1}) for n in range(101)]
    assert k.connector.write_batch_size == 100
    with pytest.raises(ValueError, match="100"):
        k.connector.push(writes)


def test_an_id_that_is_not_a_zoho_id_never_reaches_the_wire() -> None:
    with pytest.raises(ValueError, match="not a Zoho record id"):
        kit().connector.push([RecordWrite("1 OR 1=1", {"Credit_Score": 1})])


def test_push_needs_a_writeback_table() -> None:
    with pytest.raises(ConfigError, match="writeback"):
        kit(writeback=None).connector.push(_writes(1))
