"""Fxiaoke sandbox figures: render time, per-request overhead, and a full keyset read of payment plans.

    python -m bench.sandbox_fxiaoke [accounts]

The emulator's own cost, to print beside connector benchmarks (sandbox-notes "Transport").
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from typing import Any

import requests

from sandbox.fxiaoke import FxiaokeSandbox

LIMITLESS = (10**9, 20.0)


def timed(session: requests.Session, url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = session.post(url, json=body, headers=headers).json()
    return time.perf_counter() - started, answer


def main(accounts: int) -> None:
    started = time.perf_counter()
    fx = FxiaokeSandbox(accounts=accounts, rate_limit=LIMITLESS, daily_quota=10**9).start()
    print(
        f"render + start, {accounts} accounts: {time.perf_counter() - started:.2f} s, "
        f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    session = requests.Session()
    session.trust_env = False
    session.verify = str(fx.ca_pem)
    token = session.post(f"{fx.url}/oauth2.0/token", json=fx.token_request(new_style=True)).json()
    headers = {"authorization": f"Bearer {token['accessToken']}", "x-fs-ea": token["ea"], "x-fs-userid": fx.user_id}
    small = [timed(session, f"{fx.url}/cgi/crm/v2/object/list", {}, headers)[0] for _ in range(200)]
    print(f"object/list (no data work): median {statistics.median(small) * 1000:.2f} ms per request")
    plans = len(fx.ids("PaymentPlanObj"))
    seconds, pages, last = [], 0, None
    while True:
        filters = [{"field_name": "_id", "operator": "GT", "field_values": [last]}] if last else []
        search = {"limit": 100, "offset": 0, "filters": filters, "orders": [{"fieldName": "_id", "isAsc": True}]}
        body = {"data": {"dataObjectApiName": "PaymentPlanObj", "search_query_info": search}}
        took, answer = timed(session, f"{fx.url}/cgi/crm/v2/data/query", body, headers)
        seconds.append(took)
        rows = answer["data"]["dataList"]
        pages += 1
        if len(rows) < 100:
            break
        last = rows[-1]["_id"]
    print(
        f"keyset read of {plans} payment plans: {pages} calls, {sum(seconds):.1f} s, "
        f"median {statistics.median(seconds) * 1000:.1f} ms per page of 100 "
        f"(at the real 100 calls / 20 s this read needs ≥ {pages * 0.2:.0f} s)"
    )
    session.close()
    fx.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
