"""Reading a request body with a size cap: the declared length first, then what actually streams in."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.requests import Request

TOO_LARGE = "request body too large"


async def read_capped(request: Request, max_bytes: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed `max_bytes` (nothing more is read)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(400, "bad Content-Length")
        if int(declared) > max_bytes:
            raise HTTPException(413, TOO_LARGE)
    # A chunked body (or a lying Content-Length) is counted as it streams.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise HTTPException(413, TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)
