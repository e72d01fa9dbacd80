"""The generic webhook's signature: HMAC-SHA256 over `"<timestamp>.<body>"`, hex, with a ±300 s clock window.

A sender signs `X-Timestamp` (unix seconds) and the exact body bytes with the shared secret and sends
`X-Signature: sha256=<hex>`. Comparison is constant-time; the timestamp bounds how long a captured
request stays usable, and the caller accepts each signature once (the replay guard).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from connectors.errors import NotificationRejected

MAX_SKEW_S = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^sha256=([0-9a-f]{64})$")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The `X-Signature` value for this timestamp and body (what a sender computes)."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: bytes, timestamp: str | None, signature: str | None, body: bytes, now: float) -> str:
    """Check timestamp and signature; return the signature's hex digest (the replay key) or refuse (401)."""
    if not timestamp or not _TIMESTAMP.match(timestamp):
        raise NotificationRejected("missing or malformed X-Timestamp")
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        raise NotificationRejected("X-Timestamp is outside the accepted window")
    found = _SIGNATURE.match((signature or "").strip().lower())
    if found is None:
        raise NotificationRejected("missing or malformed X-Signature")
    expected = sign(secret, timestamp, body).removeprefix("sha256=")
    if not hmac.compare_digest(found.group(1).encode("ascii"), expected.encode("ascii")):
        raise NotificationRejected("signature does not match")
    return expected
