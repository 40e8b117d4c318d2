"""``create_app(settings)``: the Starlette application, built from the schemas at start-up.

No module globals: every app has its own backend, so a test can build as many as it likes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mock_server.backend import Backend
from mock_server.control.base import PREFIX, ControlError, control_error
from mock_server.control.routes import TAG as CONTROL_TAG
from mock_server.control.routes import control_routes
from mock_server.control.routes import openapi_paths as control_openapi_paths
from mock_server.http.door import FrontDoor
from mock_server.http.error_handlers import EXCEPTION_HANDLERS
from mock_server.http.intake import Intake
from mock_server.http.router import LookupRouter
from mock_server.http.routes import api_routes
from mock_server.http.stack import KlingStarlette
from mock_server.results import media
from mock_server.serving import running
from mock_server.settings import Settings
from mock_server.simulation.middleware import FaultMiddleware
from mock_server.spec.loader import Spec, SpecError, load_spec
from mock_server.spec.openapi import build_openapi
from mock_server.spec.registry import Registry
from mock_server.spec.tool_view import for_tools
from mock_server.tasks.clock import SimClock
from mock_server.version import package_version


@functools.cache
def default_spec() -> Spec:
    return load_spec()


def create_app(
    settings: Settings | None = None,
    *,
    clock: SimClock | None = None,
    spec: Spec | None = None,
    callback_transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The fake as an ASGI app. ``clock``: e.g. a ``ManualClock`` for tests;
    ``callback_transport``: where callbacks go (default: the network; tests pass an
    ``httpx.MockTransport``)."""
    settings = settings or Settings()
    settings.check()
    try:
        registry = Registry(spec or default_spec())
        backend = Backend(
            settings,
            registry,
            clock or settings.make_clock(),
            callback_transport=callback_transport,
        )
    except (ValueError, KeyError) as exc:
        raise SpecError(f"cannot start: {exc}") from None

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi_document(request.app))

    routes: list[BaseRoute] = [
        Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
        *control_routes(),
        *media.ROUTES,
        *api_routes(registry),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with running(backend):
            yield

    app = KlingStarlette(
        lifespan=lifespan,
        routes=routes,
        exception_handlers={**EXCEPTION_HANDLERS, ControlError: control_error},
        middleware=[
            # outermost: folds slashes, journals Kling requests, answers crashes with 5000
            Middleware(FrontDoor, backend=backend, skip_prefixes=(PREFIX, "/openapi.json")),
            # inside the door, so faulted requests are journalled with their rule ids
            Middleware(FaultMiddleware, backend=backend),
        ],
    )
    # most paths found by a dict lookup (http/router.py); http/slashes.py serves slashes, no 307
    app.router = LookupRouter(routes, lifespan=lifespan, redirect_slashes=False)
    app.state.backend = backend
    app.state.intake = Intake(backend)
    app.state.settings = settings
    app.state.openapi = None  # built on first use: most apps (tests) never serve it
    return app


def openapi_document(app: Any) -> dict[str, Any]:
    """The app's /openapi.json, built once, on first use."""
    if app.state.openapi is None:
        document = build_openapi(app.state.backend.registry, version=package_version())
        document["paths"].update(control_openapi_paths())
        document["tags"] = [{"name": CONTROL_TAG, "description": "The fake's own control API."}]
        settings = app.state.settings
        app.state.openapi = for_tools(
            document, strict=settings.strict, live=settings.errors == "live"
        )
    result: dict[str, Any] = app.state.openapi
    return result


def describe(app: Any) -> dict[str, Any]:
    backend: Backend = app.state.backend
    return {
        "operations": len(backend.registry.operations),
        "endpoints": len(backend.registry.endpoints),
    }
