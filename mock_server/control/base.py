"""What every control handler shares: the guard, JSON in and out, and one error type."""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from mock_server.backend import Backend

PREFIX = "/__mock"
TOKEN_HEADER = "x-kling-mock-token"
MAX_CONTROL_BODY = 1024 * 1024
Handler = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    """A refused control call: HTTP ``status`` and a message that says what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return JSONResponse({"error": exc.message}, status_code=exc.status)


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_access(request: Request, token: str | None) -> None:
    """Loopback only without a token; with one, the token is required (from anywhere)."""
    if token:
        given = request.headers.get(TOKEN_HEADER, "")
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise ControlError(401, f"the control API needs the {TOKEN_HEADER} header")
        return
    client = request.client.host if request.client else None
    if not _loopback(client):
        raise ControlError(
            403,
            f"the control API answers loopback clients only (this one is {client}); "
            "start the fake with --control-token to allow others",
        )


def guarded(handler: Handler) -> Handler:
    async def run(request: Request) -> Response:
        check_access(request, request.app.state.settings.control_token)
        return await handler(request)

    run.__doc__ = handler.__doc__
    run.__name__ = handler.__name__
    return run


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_CONTROL_BODY:
        raise ControlError(413, f"control bodies are limited to {MAX_CONTROL_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ControlError(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ControlError(400, "the body must be a JSON object")
    return value


def field(
    body: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = ...
) -> Any:
    """``body[name]`` of the given type, or a 400 naming the field."""
    if name not in body or body[name] is None:
        if default is ...:
            raise ControlError(400, f"{name}: required")
        return default
    value = body[name]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ControlError(400, f"{name}: must be {_name(kind)}")
    if not isinstance(value, kind):
        raise ControlError(400, f"{name}: must be {_name(kind)}")
    return value


def _name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        bool: "true or false",
        list: "a list",
        dict: "an object",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def reply(value: Any, status: int = 200) -> Response:
    return JSONResponse(value, status_code=status)
