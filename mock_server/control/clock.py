"""Read and move the fake's clock, or switch its mode, while it runs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.control.base import PREFIX, ControlError, backend, field, json_body, reply
from mock_server.tasks.clock import CLOCK_MODES, SimClock, parse_start


def describe(clock: SimClock) -> dict[str, Any]:
    return {"mode": clock.mode, "speed": clock.speed, "now_ms": clock.now_ms()}


async def read(request: Request) -> Response:
    return reply(describe(backend(request).clock))


async def advance(request: Request) -> Response:
    """``{"seconds": 30}``: move time forwards; every transition that became due happens,
    in order, before the reply."""
    b = backend(request)
    seconds = field(await json_body(request), "seconds", (int, float))
    try:
        b.clock.advance(seconds)
    except ValueError as exc:
        raise ControlError(400, f"seconds: {exc}") from None
    b.lifecycle.tick()
    return reply(describe(b.clock))


async def set_time(request: Request) -> Response:
    """``{"now_ms": 1767225600000}`` or ``{"now": "2026-01-01T00:00:00Z"}``; forwards only."""
    b = backend(request)
    body = await json_body(request)
    try:
        if "now" in body:
            target = parse_start(field(body, "now", str))
        else:
            target = field(body, "now_ms", int)
        b.clock.set_ms(target)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    b.lifecycle.tick()
    return reply(describe(b.clock))


async def mode(request: Request) -> Response:
    """``{"mode": "scaled", "speed": 10}``: system, scaled or manual; time never jumps back."""
    b = backend(request)
    body = await json_body(request)
    chosen = field(body, "mode", str)
    if chosen not in CLOCK_MODES:
        raise ControlError(400, f"mode: must be one of {', '.join(CLOCK_MODES)}")
    speed = field(body, "speed", (int, float), None)
    try:
        b.clock.set_mode(chosen, speed)
    except ValueError as exc:
        raise ControlError(400, f"speed: {exc}") from None
    return reply(describe(b.clock))


ROUTES = [
    Route(f"{PREFIX}/clock", read, methods=["GET"]),
    Route(f"{PREFIX}/clock/advance", advance, methods=["POST"]),
    Route(f"{PREFIX}/clock/set", set_time, methods=["POST"]),
    Route(f"{PREFIX}/clock/mode", mode, methods=["POST"]),
]
