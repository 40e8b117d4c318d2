"""The route table, generated from the registry: one Route per path, same endpoint per kind.

A path can take several methods (``GET`` lists tasks, ``POST`` creates one), so the operations
are grouped by path and each Route dispatches on the method: a method the path does not take
is then answered with an ``Allow`` that lists every method it does. Static paths come before
templated ones (the registry sorts them).
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mock_server.http.endpoints import BY_ACTION, Endpoint, unknown_model
from mock_server.spec.registry import Registry


async def _by_method(request: Request, handlers: dict[str, Endpoint]) -> Response:
    # Starlette lets HEAD through wherever GET is allowed
    handler = handlers.get(request.method) or handlers["GET"]
    return await handler(request)


def api_routes(registry: Registry) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    names: dict[str, list[str]] = {}
    for op in registry:
        for path in op.paths:  # an alias is a second route to the same operation
            by_path.setdefault(path, {})[op.method] = partial(BY_ACTION[op.action], op=op)
            names.setdefault(path, []).append(op.op_id)
    routes: list[BaseRoute] = [
        Route(
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
        routes.append(Route(template, handler, methods=["POST"], name=f"{template} unknown"))
    return routes
