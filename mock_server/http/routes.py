"""The route table, generated from the registry: one Route per path, same endpoint per kind.

A path can take several methods (``GET`` lists tasks, ``POST`` creates one), so the operations
are grouped by path and each Route dispatches on the method: a method the path does not take
is then answered with an ``Allow`` that lists every method it does. Static paths come before
templated ones (the registry sorts them).
"""

from __future__ import annotations

import inspect
from functools import partial
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.http.endpoints import BY_ACTION, Endpoint, unknown_model
from mock_server.spec.registry import Registry


async def _by_method(request: Request, handlers: dict[str, Endpoint]) -> Response:
    # Starlette lets HEAD through wherever GET is allowed
    handler = handlers.get(request.method) or handlers["GET"]
    return await handler(request)


def answering(endpoint: Endpoint) -> ASGIApp:
    """Starlette's ``request_response`` with its exception wrapper folded in: the same
    handlers (the app's, from the scope), found the same way, without two closures and a send
    wrapper per request (the front door already watches what is sent). An endpoint returns
    its response before anything is sent, so a handled exception always comes before it."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = _handler(scope, exc)
            if handler is None:
                raise
            answer = handler(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
            exc.__traceback__ = None  # as Starlette does: what it holds can go now
        await response(scope, receive, send)

    return app


def _handler(scope: Scope, exc: Exception) -> Any:
    exception_handlers, status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
    if isinstance(exc, HTTPException) and exc.status_code in status_handlers:
        return status_handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls in exception_handlers:
            return exception_handlers[cls]
    return None


def _route(path: str, endpoint: Endpoint, methods: list[str], name: str) -> Route:
    route = Route(path, endpoint, methods=methods, name=name)
    route.app = answering(endpoint)  # instead of request_response(endpoint)
    return route


def api_routes(registry: Registry) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    names: dict[str, list[str]] = {}
    for op in registry:
        for path in op.paths:  # an alias is a second route to the same operation
            by_path.setdefault(path, {})[op.method] = partial(BY_ACTION[op.action], op=op)
            names.setdefault(path, []).append(op.op_id)
    routes: list[BaseRoute] = [
        _route(
            path,
            partial(_by_method, handlers=handlers),
            methods=sorted(handlers),
            name=" ".join(names[path]),
        )
        for path, handlers in by_path.items()
    ]
    # After every served model: /text-to-video/{model} for a model no entry serves (1203).
    for template, served in registry.model_templates().items():
        handler = partial(unknown_model, served=tuple(served))
        routes.append(_route(template, handler, methods=["POST"], name=f"{template} unknown"))
    return routes
