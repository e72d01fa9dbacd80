"""How much time the Salesforce sandbox itself adds per request (report it beside any benchmark).

Runs a sandbox in-process and times keep-alive HTTPS requests of the kinds a connector makes:
the bare transport (versions list, no session), an authenticated tiny call, a lookup by id, a
record update, a 2,000-record query page, a 200-record Collections update and a Bulk 2.0 CSV page.

    python bench/bench_sandbox_overhead.py [--accounts 300] [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import requests
from simple_salesforce import format_soql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.salesforce import SalesforceSandbox


def _timed(name: str, repeat: int, call: Callable[[], requests.Response]) -> None:
    call()  # warm-up: connection, caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            raise SystemExit(f"{name}: HTTP {response.status_code} {response.text[:200]}")
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(f"{name:<44} {statistics.median(samples):8.2f} ms median {p95:8.2f} ms p95   (n={repeat})")


def main() -> None:
    """Print per-request timings for each call kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    box = SalesforceSandbox(accounts=args.accounts, seed=7, as_of=date(2026, 5, 1))
    print(
        f"seeded {args.accounts} accounts, {len(box.ids('Invoice__c'))} invoices in "
        f"{time.perf_counter() - started:.2f} s"
    )
    with box:
        http = requests.Session()
        http.trust_env = False
        http.verify = str(box.ca_pem)
        http.headers.update({"Authorization": f"Bearer {box.issue_session()}", "Content-Type": "application/json"})
        api = f"{box.url}/services/data/v59.0"
        account = box.ids("Account")[0]
        invoices = box.ids("Invoice__c")[:200]
        page = {"Sforce-Query-Options": "batchSize=2000"}
        big = (
            "SELECT Id, Name, Account__c, Invoice_Date__c, Due_Date__c, Amount__c, Balance__c, Status__c "
            "FROM Invoice__c"
        )
        by_id = format_soql("SELECT Id, Name, OwnerId FROM Account WHERE Id = {}", account)
        records = [{"attributes": {"type": "Invoice__c"}, "id": i, "Balance__c": 1.5} for i in invoices]
        job = http.post(f"{api}/jobs/query", json={"operation": "query", "query": big}).json()["id"]
        few = max(10, args.repeat // 10)
        _timed("GET /services/data/ (transport only)", args.repeat, lambda: http.get(f"{box.url}/services/data/"))
        _timed("GET limits (session, budget, JSON)", args.repeat, lambda: http.get(f"{api}/limits"))
        _timed(
            "GET query by Id (1 record)",
            args.repeat,
            lambda: http.get(f"{api}/query", params={"q": by_id}),
        )
        _timed(
            "GET sobjects/Account/{id} (all fields)", args.repeat, lambda: http.get(f"{api}/sobjects/Account/{account}")
        )
        _timed(
            "PATCH sobjects/Account/{id}",
            args.repeat,
            lambda: http.patch(f"{api}/sobjects/Account/{account}", json={"Description": "bench"}),
        )
        _timed(
            "GET query page (2,000 invoices, 8 fields)",
            few,
            lambda: http.get(f"{api}/query", params={"q": big}, headers=page),
        )
        _timed(
            "PATCH composite/sobjects (200 records)",
            few,
            lambda: http.patch(f"{api}/composite/sobjects", json={"allOrNone": False, "records": records}),
        )
        _timed(
            "GET Bulk 2.0 results (2,000 rows CSV)",
            few,
            lambda: http.get(f"{api}/jobs/query/{job}/results", params={"maxRecords": 2000}),
        )


if __name__ == "__main__":
    main()
