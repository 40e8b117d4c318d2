"""Every failure becomes a Kling envelope here, and only here.

``KlingError`` carries its code; Starlette's 404/405 become 1202 with the table's HTTP status;
anything unexpected becomes 5000 with no traceback (it is logged server-side) and a request_id
of its own, drawn outside the seeded streams. A client that hangs up before its request was
read gets one info line in the log and no answer (there is nobody to answer).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.errors import KlingError
from mock_server.http.envelope import failure
from mock_server.simulation.middleware import DroppedConnection

log = logging.getLogger("kling_mock")


def _request_id(request: Request) -> str:
    backend: Any = request.app.state.backend
    return str(backend.ids.request_id())


async def kling_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KlingError)
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


class CatchAllMiddleware:
    """Outermost layer: an unexpected exception is logged and answered with code 5000."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            log.info("client went away during %s %s", scope.get("method"), scope.get("path"))
        except DroppedConnection:  # a fault rule asked for it: the server must cut the line
            log.info(
                "dropping the connection of %s %s (fault rule)", scope["method"], scope["path"]
            )
            raise
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            # uuid4, not the seeded stream: a bug must not shift the ids of a reproducible run
            response = failure(5000, "Server internal error", str(uuid.uuid4()), 500)
            await response(scope, receive, send)
