"""Deletes and sObject Collections (up to 200 records, per-record results, allOrNone)."""

from __future__ import annotations

from sandbox.salesforce.errors import RecordError, SfError
from sandbox.salesforce.ids import is_valid_id, to18
from sandbox.salesforce.org import Change, Org
from sandbox.salesforce.table import Table
from sandbox.salesforce.writes import ROLLED_BACK, Actor, Pending, commit, locate, prepare

MAX_COLLECTION = 200


def soft_delete(org: Org, table: Table, record_id: str, actor: Actor, stamp: int | None = None) -> None:
    """Move a record to the recycle bin: IsDeleted, stamps moved, visible to queryAll and deleted/."""
    if not table.sobject.deletable:
        raise RecordError("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id")
    index = locate(table, record_id)
    if actor.api:
        for rejection in org.rejections:
            if (
                rejection.times > 0
                and rejection.sobject in (None, table.sobject.name)
                and rejection.record_id in (None, to18(record_id))
            ):
                rejection.times -= 1
                raise RecordError(rejection.code, rejection.message, rejection.fields)
    _mark_deleted(org, table, index, actor, org.stamp() if stamp is None else min(stamp, org.stamp()))


def _mark_deleted(org: Org, table: Table, index: int, actor: Actor, stamp: int) -> None:
    sobject = table.sobject
    old = table.rows[index]
    assert old is not None
    row = list(old) + [None] * (len(sobject.fields) - len(old))
    row[sobject.by_name["isdeleted"].slot] = True
    for name in ("lastmodifieddate", "systemmodstamp"):
        row[sobject.by_name[name].slot] = stamp
    row[sobject.by_name["lastmodifiedbyid"].slot] = actor.user_id
    table.replace(index, tuple(row))
    record_id = str(row[0])
    table.deleted_log.append((record_id, stamp))
    org.publish(Change(sobject.name, record_id, "delete", old, tuple(row), actor.client, actor.user_id, stamp))
    _cascade(org, sobject.name, record_id, actor, stamp)


def _cascade(org: Org, sobject: str, record_id: str, actor: Actor, stamp: int) -> None:
    # Custom lookups clear themselves when the parent is deleted (Salesforce's default "Clear the value");
    # activities on the record go to the recycle bin with it.
    for child in org.tables.values():
        for definition in child.sobject.fields:
            if definition.type != "reference" or sobject not in definition.reference_to:
                continue
            if definition.name == "WhatId":
                for index in list(child.referencing(definition.slot, record_id)):
                    row = child.rows[index]
                    if row is not None and not row[child.sobject.by_name["isdeleted"].slot]:
                        _mark_deleted(org, child, index, actor, stamp)
            elif definition.custom:
                for index in list(child.referencing(definition.slot, record_id)):
                    _clear_lookup(child, index, definition.slot, stamp)


def _clear_lookup(table: Table, index: int, slot: int, stamp: int) -> None:
    old = table.rows[index]
    assert old is not None
    row = list(old)
    row[slot] = None
    row[table.sobject.by_name["systemmodstamp"].slot] = stamp
    table.replace(index, tuple(row))


def hard_delete(org: Org, table: Table, record_id: str, actor: Actor) -> None:
    """Remove a record for good (it still shows in deleted/ for the retention window)."""
    index = table.index_of(record_id)
    if index is None:
        raise RecordError("NOT_FOUND", "The requested resource does not exist", status=404)
    old = table.rows[index]
    assert old is not None
    stamp = org.stamp()
    deleted = table.sobject.by_name.get("isdeleted")
    if deleted is None or not old[deleted.slot]:
        table.deleted_log.append((str(old[0]), stamp))
    table.drop(index)
    org.publish(Change(table.sobject.name, str(old[0]), "hard_delete", old, None, actor.client, actor.user_id, stamp))


def _record_type(org: Org, record: object) -> tuple[Table, dict[str, object]]:
    if not isinstance(record, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from VALUE_STRING")
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(name, str):
        raise RecordError("INVALID_TYPE", "No SObject Type defined in the attributes")
    table = org.table(name)
    if table is None:
        raise RecordError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return table, record


def _prepare_one(org: Org, record: object, actor: Actor, creating: bool) -> tuple[Pending, str | None]:
    table, body = _record_type(org, record)
    raw_id = body.get("id", body.get("Id"))
    if creating:
        if raw_id is not None:
            raise RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return prepare(org, table, None, body, actor), None
    if raw_id is None:
        raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
    record_id = str(raw_id)
    shown = to18(record_id) if is_valid_id(record_id) else None
    try:
        return prepare(org, table, record_id, {k: v for k, v in body.items() if k.lower() != "id"}, actor), shown
    except RecordError as error:
        error.record_id = shown
        raise


def save_collection(org: Org, body: object, actor: Actor, creating: bool) -> list[dict[str, object]]:
    """POST (create) or PATCH (update) /composite/sobjects: results in request order."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SfError(400, "JSON_PARSER_ERROR", "The request body must contain a records array")
    records: list[object] = body["records"]
    if len(records) > MAX_COLLECTION:
        raise SfError(
            400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    all_or_none = bool(body.get("allOrNone", False))
    outcomes: list[tuple[Pending | None, str | None, RecordError | None]] = []
    for record in records:
        try:
            pending, shown = _prepare_one(org, record, actor, creating)
            outcomes.append((pending, shown, None))
        except RecordError as refused:
            outcomes.append((None, refused.record_id, refused))
    failed = any(problem is not None for _, _, problem in outcomes)
    stamp = org.stamp()
    results: list[dict[str, object]] = []
    for ready, shown, problem in outcomes:
        if ready is not None and not (all_or_none and failed):
            record_id = commit(org, ready, actor, stamp)
            results.append({"id": record_id, "success": True, "errors": []})
            continue
        item: dict[str, object] = {} if shown is None else {"id": shown}
        item.update({"success": False, "errors": [(problem or ROLLED_BACK).as_collection_error()]})
        results.append(item)
    return results


def delete_collection(org: Org, ids: list[str], all_or_none: bool, actor: Actor) -> list[dict[str, object]]:
    """DELETE /composite/sobjects?ids=...: per-id results in request order."""
    if len(ids) > MAX_COLLECTION:
        raise SfError(
            400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    checks: list[RecordError | None] = []
    for record_id in ids:
        table = org.table_for_id(record_id) if is_valid_id(record_id) else None
        try:
            if table is None:
                raise RecordError("MALFORMED_ID", f"malformed id {record_id}")
            locate(table, record_id)
            checks.append(None)
        except RecordError as refused:
            checks.append(refused)
    failed = any(checks)
    results: list[dict[str, object]] = []
    for record_id, check in zip(ids, checks, strict=True):
        problem = check
        if check is None and not (all_or_none and failed):
            table = org.table_for_id(record_id)
            assert table is not None
            try:
                soft_delete(org, table, record_id, actor)
                results.append({"id": to18(record_id), "success": True, "errors": []})
                continue
            except RecordError as late:
                problem = late
        results.append({"id": record_id, "success": False, "errors": [(problem or ROLLED_BACK).as_collection_error()]})
    return results
