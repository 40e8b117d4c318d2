"""``create_app(settings)``: the Starlette application, built from the schemas at start-up.

No module globals: every app has its own backend, so a test can build as many as it likes.
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mock_server.backend import Backend
from mock_server.http.error_handlers import EXCEPTION_HANDLERS, CatchAllMiddleware
from mock_server.http.routes import api_routes
from mock_server.results import media
from mock_server.settings import Settings
from mock_server.spec.loader import Spec, load_spec
from mock_server.spec.openapi import build_openapi
from mock_server.spec.registry import Registry
from mock_server.tasks.clock import Clock, ManualClock, SystemClock


def package_version() -> str:
    try:
        return version("kling-mock")
    except PackageNotFoundError:  # running from a source tree
        return "0.0.0"


@functools.cache
def default_spec() -> Spec:
    return load_spec()


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, spec: Spec | None = None
) -> Starlette:
    settings = settings or Settings()
    settings.check()
    registry = Registry(spec or default_spec())
    if clock is None:
        clock = ManualClock() if settings.clock == "manual" else SystemClock()
    backend = Backend(settings, registry, clock)
    openapi = build_openapi(registry, version=package_version())

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi)

    routes: list[BaseRoute] = [
        Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
        *media.ROUTES,
        *api_routes(registry),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        middleware=[Middleware(CatchAllMiddleware)],
    )
    app.state.backend = backend
    app.state.settings = settings
    app.state.openapi = openapi
    return app


def describe(app: Any) -> dict[str, Any]:
    backend: Backend = app.state.backend
    return {
        "operations": len(backend.registry.operations),
        "endpoints": len(backend.registry.endpoints),
    }
