"""Health, version and reset."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.control.base import PREFIX, backend, reply
from mock_server.version import package_version


async def health(request: Request) -> Response:
    """Liveness, the version, and the clock and seed in force."""
    b = backend(request)
    return reply(
        {
            "status": "ok",
            "version": package_version(),
            "seed": b.ids.seed,
            "clock": {"mode": b.clock.mode, "now_ms": b.clock.now_ms()},
            "tasks": len(b.store.tasks()),
        }
    )


async def reset(request: Request) -> Response:
    """Back to the start state (tasks, records, ids, clock, timings, journals, rules, limits),
    rebuilt from the settings the fake was started with."""
    backend(request).reset()
    return reply({"reset": True})


ROUTES = [
    Route(f"{PREFIX}/health", health, methods=["GET"]),
    Route(f"{PREFIX}/reset", reset, methods=["POST"]),
]
