"""``GET``/``HEAD /media/<key>``: the result files the fake issued, and nothing else.

``MediaUrls`` (``results/urls.py``) records every file it issues in the task store; this
endpoint looks the key up there and serves exactly that record, made by ``results/synth.py``.
A key that was never issued (or was issued before a reset) is HTTP 404 with code 1203, like an
unknown task. No auth, like Kling's CDN links.

Making a file can take longer than a request may hold the event loop (an 8192-pixel image, a
long clip), so it runs in a worker thread, at most ``RENDER_THREADS`` at once per app; a file
already in the cache is sent at once.

Ranges (RFC 9110 section 14): one range, ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n``, gets 206
with ``Content-Range``; a range that starts past the end, or ``bytes=-0``, gets 416 with
``Content-Range: bytes */<size>``. A ``Range`` header that does not parse, or asks for several
ranges, is ignored and the whole file is sent with 200, which the RFC allows and every client
handles. ``HEAD`` sends the headers of the full ``GET`` (ranges are for ``GET`` only). No ETag
or Last-Modified: a reset may issue the same key again for a different file.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.errors import KlingError
from mock_server.results import synth
from mock_server.results.urls import Media

RENDER_THREADS = 2
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


def _not_issued(key: str) -> KlingError:
    return KlingError(
        1203,
        f"Media does not exist: /media/{key} was not issued by this server "
        "(or the server was reset since)",
        http_status=404,
    )


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """One per app, made on first use inside the app's event loop."""
    state: Any = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "media_limiter", None)
    if limiter is None:
        limiter = state.media_limiter = anyio.CapacityLimiter(RENDER_THREADS)
    return limiter


async def file_bytes(request: Request, media: Media) -> bytes:
    data = synth.cached(media)
    if data is None:
        data = await anyio.to_thread.run_sync(synth.produce, media, limiter=_limiter(request))
    return data


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive for one satisfiable range; ``None`` to send the whole file.

    Raises ``ValueError`` when the range cannot be satisfied (answer 416).
    """
    match = _RANGE.fullmatch((header or "").strip())
    if match is None:
        return None  # absent, malformed, another unit or several ranges: ignored
    first, last = match.group(1), match.group(2)
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise ValueError("empty suffix range")
        return max(0, size - suffix), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # an invalid range-spec: the header is ignored
    if start >= size:
        raise ValueError("range starts past the end")
    return start, min(int(last), size - 1) if last else size - 1


async def serve(request: Request) -> Response:
    key = str(request.path_params["key"])
    media = request.app.state.backend.issued_media(key)
    if media is None:
        raise _not_issued(key)
    data = await file_bytes(request, media)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(len(data))}
    kind = synth.content_type(media)
    if request.method == "HEAD":
        return Response(b"", headers=headers, media_type=kind)
    try:
        chosen = byte_range(request.headers.get("range"), len(data))
    except ValueError:
        headers = {"Accept-Ranges": "bytes", "Content-Range": f"bytes */{len(data)}"}
        return Response(b"", status_code=416, headers=headers)
    if chosen is None:
        return Response(data, headers=headers, media_type=kind)
    first, last = chosen
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    headers["Content-Length"] = str(last - first + 1)
    return Response(data[first : last + 1], status_code=206, headers=headers, media_type=kind)


ROUTES = [Route("/media/{key:path}", serve, methods=["GET", "HEAD"])]
