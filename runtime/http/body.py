"""Reading a request body under a size limit, refusing before parsing anything. Shell."""

from __future__ import annotations

from starlette.requests import Request

from runtime.errors import PayloadTooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it is known to exceed `limit` (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("payload_too_large", f"The body exceeds {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("payload_too_large", f"The body exceeds {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)
