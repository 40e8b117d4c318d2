"""Every expected failure becomes a Kling envelope here.

``KlingError`` carries its code; Starlette's 404/405 become 1202 with the table's HTTP status.
Anything unexpected is the front door's (http/door.py): 5000, with no traceback.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from mock_server.errors import KlingError
from mock_server.http.envelope import failure


def _request_id(request: Request) -> str:
    backend: Any = request.app.state.backend
    return str(backend.ids.request_id())


async def kling_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KlingError)
    # The traceback holds the frames the error came through, and so what they read (a body
    # of megabytes) until the answer is sent; Starlette clears it itself only from 1.10.
    exc.__traceback__ = None
    return failure(exc.code, exc.message, _request_id(request), exc.http_status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        offered = (exc.headers or {}).get("Allow", "").split(",")
        allowed = ", ".join(sorted({m.strip() for m in offered if m.strip()}))
        err = KlingError(
            1202,
            f"Requested method is invalid: {request.method} is not allowed on "
            f"{request.url.path} (allowed: {allowed})",
        )
        return failure(
            err.code,
            err.message,
            _request_id(request),
            err.http_status,
            headers={"Allow": allowed} if allowed else None,
        )
    if exc.status_code == 404:
        err = KlingError(1202, f"Requested method is invalid: no API at {request.url.path}")
        return failure(err.code, err.message, _request_id(request), err.http_status)
    err = KlingError(1200 if exc.status_code < 500 else 5000)
    return failure(err.code, err.message, _request_id(request), exc.status_code)


EXCEPTION_HANDLERS = {KlingError: kling_error, HTTPException: http_error}
