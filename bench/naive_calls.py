"""The P3 baseline: the same sync work done the naive way, one client call per record.

A naive integration lists every record id, reads each record with its own GET, and writes each
changed account with its own update (simple-salesforce `SFType.get` / `SFType.update`; Zoho
`GET /{module}/{id}` and `PUT /Accounts/{id}`). Run at full size that is tens of thousands of calls,
so a sample of each object is read (and a sample of the accounts our sync wrote is rewritten, with the
values our sync put there) and the calls measured on the sample are scaled linearly to the org's size.
The id listings are real and complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.api import SFType

from connectors.zoho.client import ZohoClient
from sandbox.salesforce import SalesforceSandbox


@dataclass(frozen=True)
class NaiveRun:
    """Calls a naive sync would make on the whole org, measured on `sample` records per object."""

    listing_calls: int  # id listings, complete
    read_calls: float  # one GET per record, scaled from the sample
    write_calls: float  # one update per changed account, scaled from the sample
    seconds: float  # measured on the sample, scaled the same way
    sample: int
    written: int  # accounts the writes were scaled to

    @property
    def calls(self) -> int:
        """Every call of the naive sync."""
        return round(self.listing_calls + self.read_calls + self.write_calls)

    def note(self) -> str:
        """How the figure was obtained (the issue asks to say when it is scaled)."""
        return (
            f"naive = {self.listing_calls} id-list calls + {self.read_calls:.0f} GETs + {self.write_calls:.0f} "
            f"updates (one per record), measured on {self.sample} records per object and scaled linearly"
        )


class Counter:
    """A `requests` response hook counting exchanges."""

    def __init__(self) -> None:
        self.n = 0

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Count one exchange."""
        self.n += 1


def _scaled(
    measure: Callable[[Sequence[str]], None], ids: Sequence[str], sample: int, count: Counter
) -> tuple[float, float]:
    """(calls, seconds) of `measure` over `sample` of `ids`, scaled to all of them."""
    chosen = list(ids[:sample])
    if not chosen:
        return 0.0, 0.0
    before, started = count.n, time.perf_counter()
    measure(chosen)
    factor = len(ids) / len(chosen)
    return (count.n - before) * factor, (time.perf_counter() - started) * factor


def naive_salesforce(box: SalesforceSandbox, objects: Sequence[str], written: Sequence[str],
                     fields: Sequence[str], sample: int = 300) -> NaiveRun:  # fmt: skip
    """List ids with `query_all`, `get` each record, `update` each of the `written` accounts with `fields`."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(box.ca_pem)
    count = Counter()
    session.hooks["response"].append(count.hook)
    sf = Salesforce(instance_url=box.url, session_id=box.issue_session(), session=session)

    def sobject(name: str) -> SFType:
        return SFType(name, sf.session_id, sf.sf_instance, sf.sf_version, session=session, salesforce=sf)

    listing = reads = seconds = 0.0
    for name in objects:
        before, started = count.n, time.perf_counter()
        ids = [str(r["Id"]) for r in sf.query_all(f"SELECT Id FROM {name}")["records"]]  # noqa: S608  fixed names
        listing, seconds = listing + count.n - before, seconds + time.perf_counter() - started
        calls, took = _scaled(lambda chosen, n=name: [sobject(n).get(i) for i in chosen], ids, sample, count)  # type: ignore[misc]
        reads, seconds = reads + calls, seconds + took

    def rewrite(chosen: Sequence[str]) -> None:
        account = sobject("Account")
        for crm_id in chosen:
            # The values our sync wrote, read without an API call: the naive update's payload.
            record = box.get_record("Account", crm_id) or {}
            account.update(crm_id, {f: _json(record.get(f)) for f in fields})

    writes, took = _scaled(rewrite, written, sample, count)
    session.close()
    return NaiveRun(round(listing), reads, writes, seconds + took, sample, len(written))


def naive_zoho(client: ZohoClient, modules: Sequence[str], written: Sequence[str],
               payload: Callable[[str], dict[str, Any]], sample: int = 300) -> NaiveRun:  # fmt: skip
    """List ids page by page, `GET /{module}/{id}` each, `PUT /Accounts/{id}` each written account."""
    count = Counter()
    client.session.hooks["response"].append(count.hook)
    listing = reads = seconds = 0.0
    try:
        for module in modules:
            before, started = count.n, time.perf_counter()
            ids = _zoho_ids(client, module)
            listing, seconds = listing + count.n - before, seconds + time.perf_counter() - started

            def get(chosen: Sequence[str], m: str = module) -> None:
                for crm_id in chosen:
                    client.call("GET", f"/{m}/{crm_id}", 1, what=f"get {m}")

            calls, took = _scaled(get, ids, sample, count)
            reads, seconds = reads + calls, seconds + took

        def put(chosen: Sequence[str]) -> None:
            for crm_id in chosen:
                body = {"data": [payload(crm_id)]}
                client.call("PUT", f"/Accounts/{crm_id}", 1, json=body, what="update Accounts", per_record=True)

        writes, took = _scaled(put, written, sample, count)
    finally:
        client.session.hooks["response"].remove(count.hook)
    return NaiveRun(round(listing), reads, writes, seconds + took, sample, len(written))


def _zoho_ids(client: ZohoClient, module: str) -> list[str]:
    """Every id of a module, 200 a page (page_token past Zoho's 2,000-row `page` limit)."""
    ids: list[str] = []
    page, token = 1, None
    while True:
        listed = client.list_page(module, ["id"], page=None if token else page, page_token=token, by_modified=False)
        ids += [str(row["id"]) for row in listed.rows]
        if not listed.more:
            return ids
        token, page = listed.next_token, page + 1


def _json(value: Any) -> Any:
    """A stored field value as simple-salesforce's `json.dumps` takes it."""
    if isinstance(value, Decimal):
        return float(value)
    return value.isoformat() if hasattr(value, "isoformat") else value
