"""The latency benchmark's load: invoice changes in the CRM, each followed by a signed generic notification."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlsplit

from bench.webhooks_rig import SECRET, SOURCE, Crm
from webhooks.signature import sign


class Sender:
    """Signed generic notifications over a few kept-alive HTTP/1.1 connections, on one asyncio loop.

    The load generator shares the machine with what it measures, so it is kept lean: raw requests
    written to open sockets cost a tenth of a `requests` call in CPU.
    """

    def __init__(self, url: str, connections: int = 8) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = f"/webhooks/generic/{SOURCE}"
        self.connections = connections

    def request(self, invoice_id: str, stamp: int) -> bytes:
        """One signed POST, as bytes on the wire."""
        body = json.dumps({"object": "invoice", "ids": [invoice_id]}).encode()
        signature = sign(SECRET.encode(), str(stamp), body)
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"X-Timestamp: {stamp}\r\nX-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n")  # fmt: skip
        return head.encode() + body

    async def open(self) -> asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        """The pool of open connections."""
        pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        for _ in range(self.connections):
            pool.put_nowait(await asyncio.open_connection(self.host, self.port))
        return pool

    async def post(self, pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]], raw: bytes) -> int:
        """Send one request on a free connection; its status code."""
        reader, writer = await pool.get()
        try:
            writer.write(raw)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            return status
        finally:
            pool.put_nowait((reader, writer))


def send_load(crm: Crm, url: str, rate: float, seconds: float) -> list[tuple[float, str]]:
    """Change and notify at `rate` per second; return (sent at, account) per notification."""
    return asyncio.run(_send_load(crm, Sender(url), rate, seconds))


async def _send_load(crm: Crm, sender: Sender, rate: float, seconds: float) -> list[tuple[float, str]]:
    targets = crm.targets
    pool = await sender.open()
    sent: list[tuple[float, str]] = []
    posts: list[asyncio.Task[int]] = []
    total = int(rate * seconds)
    started = time.monotonic()
    for n in range(total):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        account, invoice_id, amount = targets[n % len(targets)]
        share = Decimal("0.5") if (n // len(targets)) % 2 == 0 else Decimal("1")
        crm.call("update", invoice_id, str((Decimal(amount) * share).quantize(Decimal("0.01"))))
        sent.append((time.time(), account))
        posts.append(asyncio.create_task(sender.post(pool, sender.request(invoice_id, int(time.time())))))
    statuses: dict[int, int] = defaultdict(int)
    for status in await asyncio.gather(*posts):
        statuses[status] += 1
    while not pool.empty():
        pool.get_nowait()[1].close()
    behind = time.monotonic() - started - seconds
    print(f"  sent {total} notifications in {seconds + behind:.1f} s; answers {dict(statuses)}")
    return sent
