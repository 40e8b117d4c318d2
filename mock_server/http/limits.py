"""Read a request body within a size cap and a deadline, into one buffer.

The cap is checked against Content-Length before anything is read, and again as chunks arrive
(a chunked body has no length), so an oversize body is never held whole. With a length the
buffer is allocated once and filled in place: no list of chunks joined into a second copy.
A client that stops sending is answered after ``timeout_s`` (the whole body must arrive by
then, so a trickle cannot hold a request open either): 1200 with HTTP 400, the status every
1200 has (errors.json), because Kling documents no timeout answer. (The fake runs on asyncio
only: uvicorn's loops.)
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from mock_server.errors import KlingError


def declared_length(request: Request, max_bytes: int) -> int | None:
    """Content-Length, or None for a chunked body; 1200 if it is not a number or too big."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    try:
        length = int(declared)
    except ValueError:
        raise KlingError(1200, "Content-Length is not a number") from None
    if length > max_bytes:
        raise KlingError(1200, f"request body is larger than {max_bytes} bytes")
    return max(length, 0)


async def read_body(request: Request, max_bytes: int, timeout_s: float) -> bytearray:
    length = declared_length(request, max_bytes)
    buf = bytearray(length or 0)
    size = 0
    try:
        async with asyncio.timeout(timeout_s):  # half of anyio.fail_after's cost per request
            async for chunk in request.stream():
                end = size + len(chunk)
                if end > max_bytes:
                    raise KlingError(1200, f"request body is larger than {max_bytes} bytes")
                if end <= len(buf):
                    buf[size:end] = chunk
                else:
                    buf[size:] = chunk  # more than Content-Length said: grow
                size = end
    except TimeoutError:
        raise KlingError(
            1200, f"request body did not arrive within {timeout_s:g} s (--body-timeout)"
        ) from None
    del buf[size:]  # less than Content-Length said
    return buf
