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


def _timed(repeat: int, call: Callable[[], requests.Response]) -> dict[str, float]:
    call()  # warm-up: connection, caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            raise RuntimeError(f"HTTP {response.status_code} {response.text[:200]}")
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return {"median_ms": statistics.median(samples), "p95_ms": p95, "n": repeat}


def measure(accounts: int = 300, repeat: int = 200) -> dict[str, dict[str, float]]:
    """Per-request milliseconds (median, p95) of each call kind against an in-process sandbox."""
    box = SalesforceSandbox(accounts=accounts, seed=7, as_of=date(2026, 5, 1))
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
        few = max(10, repeat // 10)
        calls: list[tuple[str, int, Callable[[], requests.Response]]] = [
            ("GET /services/data/ (transport only)", repeat, lambda: http.get(f"{box.url}/services/data/")),
            ("GET limits (session, budget, JSON)", repeat, lambda: http.get(f"{api}/limits")),
            ("GET query by Id (1 record)", repeat, lambda: http.get(f"{api}/query", params={"q": by_id})),
            ("GET sobjects/Account/{id} (all fields)", repeat,
             lambda: http.get(f"{api}/sobjects/Account/{account}")),
            ("PATCH sobjects/Account/{id}", repeat,
             lambda: http.patch(f"{api}/sobjects/Account/{account}", json={"Description": "bench"})),
            ("GET query page (2,000 invoices, 8 fields)", few,
             lambda: http.get(f"{api}/query", params={"q": big}, headers=page)),
            ("PATCH composite/sobjects (200 records)", few,
             lambda: http.patch(f"{api}/composite/sobjects", json={"allOrNone": False, "records": records})),
            ("GET Bulk 2.0 results (2,000 rows CSV)", few,
             lambda: http.get(f"{api}/jobs/query/{job}/results", params={"maxRecords": 2000})),
        ]  # fmt: skip
        return {name: _timed(times, call) for name, times, call in calls}


def main() -> None:
    """Print per-request timings for each call kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    for name, figure in measure(args.accounts, args.repeat).items():
        print(f"{name:<44} {figure['median_ms']:8.2f} ms median {figure['p95_ms']:8.2f} ms p95   (n={figure['n']})")


if __name__ == "__main__":
    main()
