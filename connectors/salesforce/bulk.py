"""Bulk API 2.0 query jobs through simple-salesforce's `SFBulk2Type`, results as SourceRecords.

The job's CSV pages are typed by describe: empty cells are null (Bulk writes no "null"), booleans
are `true`/`false`, numbers become exact Decimals. A job that fails, is aborted or cannot be read
raises `BulkFailed`, so the caller can carry on with REST; quota and budget stops pass through.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import requests
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession, SalesforceOperationError

from connectors.base import SourceRecord
from connectors.errors import QuotaExhausted
from connectors.mapping import parse_stamp
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.failures import translate
from connectors.salesforce.schema import NUMBER_TYPES

if TYPE_CHECKING:
    from connectors.salesforce.reads import ObjectReader

MAX_RECORDS_PER_PAGE = 50_000  # Salesforce's own default page of query results


class BulkFailed(Exception):
    """The Bulk 2.0 job could not deliver; REST should take over."""


def _number(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _converter(sf_type: str) -> Callable[[str], Any]:
    if sf_type == "boolean":
        return lambda text: text.lower() == "true"
    if sf_type in NUMBER_TYPES:
        return _number
    return str


def _records(reader: ObjectReader, page: str) -> Iterator[SourceRecord]:
    rows = csv.reader(io.StringIO(page))
    header = next(rows, None)
    if header is None:
        return
    convert = [_converter(reader.schema.type_of(name)) for name in header]
    position = {name.lower(): i for i, name in enumerate(header)}
    pairs = [(key, position[api.lower()]) for key, api in reader.columns.pairs]
    id_at, stamp_at = position["id"], position[soql.STAMP.lower()]
    deleted_at = position.get("isdeleted")
    for cells in rows:
        values = {}
        for key, i in pairs:
            text = cells[i]
            values[key] = convert[i](text) if text != "" else None
        deleted = deleted_at is not None and cells[deleted_at].lower() == "true"
        yield SourceRecord(cells[id_at], parse_stamp(cells[stamp_at]), values, deleted)


def bulk_records(client: SalesforceClient, reader: ObjectReader, text: str, wait_s: float) -> Iterator[SourceRecord]:
    """Rows of a Bulk 2.0 query job (`queryAll` when the object has IsDeleted), page by page."""
    what = f"bulk query {reader.sobject}"
    client.budget.check(what)
    job = client.bulk_object(reader.sobject)
    query = job.query_all if reader.columns.has_deleted else job.query
    pages = query(text, max_records=MAX_RECORDS_PER_PAGE, wait=wait_s)  # type: ignore[arg-type]
    while True:
        client.budget.check(what)
        try:
            page = next(pages)
        except StopIteration:
            return
        except SalesforceExpiredSession:
            client.relogin()  # the job is tied to the dead session's headers: REST resumes instead
            raise BulkFailed("session expired during the job") from None
        except SalesforceOperationError as exc:
            raise BulkFailed(str(exc)[:200]) from None
        except SalesforceError as exc:
            error = translate(exc, what)
            if isinstance(error, QuotaExhausted):
                raise error from None
            raise BulkFailed(str(error)) from None
        except requests.RequestException as exc:
            raise BulkFailed(type(exc).__name__) from None
        yield from _records(reader, str(page))
