"""The route table, generated from the registry: one Route per operation, same endpoint per
kind. Static paths come before templated ones (the registry sorts them)."""

from __future__ import annotations

from functools import partial

from starlette.routing import BaseRoute, Route

from mock_server.http.endpoints import BY_ACTION
from mock_server.spec.registry import Registry


def api_routes(registry: Registry) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for op in registry:
        endpoint = partial(BY_ACTION[op.action], op=op)
        routes.append(Route(op.path, endpoint, methods=[op.method], name=op.op_id))
    return routes
