"""Starlette's router with two dicts in front, so most requests skip its scan of every route.

Starlette matches a request against each route's regex in turn, about 0.5 us a route: with 88
routes a create paid 20-30 us and a GET by id (its route comes late in the table) over 40 us
before its endpoint ran, half of that GET's whole cost in the app. Here

- a static path (every create and list path) is found by ``(method, path)``;
- a path that ends in one parameter (``/v1/videos/text2video/{id}``) by ``(method, parent)``,
  then checked with the route's own regex, which also reads the parameter.

Anything else (405s, ``/media/{key:path}``, unknown paths) goes through Starlette's scan,
unchanged. A route goes in a dict only if no route before it in the table could match the same
request, so the answer is always the one the scan would give.

It must also handle its own exceptions (Starlette wraps a function endpoint with the app's
exception handlers), so ``in_front_of`` can send what the dicts find past Starlette's exception
layer, which would only wrap it a second time (http/stack.py).
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any

from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

Table = dict[tuple[str, str], Route]
ONE_PARAM = re.compile(r"^(?P<parent>[^{}]*)/\{\w+\}$")  # e.g. /v1/videos/text2video/{id}
PROBE = "kling-mock-probe"  # stands for any one segment when asking earlier routes


def _first_for(routes: list[BaseRoute], i: int, method: str, path: str) -> bool:
    """No route before routes[i] matches ``method path`` at all (not even for a 405)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    return all(r.matches(scope)[0] is Match.NONE for r in routes[:i])


def _handles_own_errors(route: Route) -> bool:
    """Starlette's own test (``Route.__init__``): a function endpoint is wrapped with the
    exception handlers, an ASGI app is not."""
    endpoint = route.endpoint
    while isinstance(endpoint, functools.partial):
        endpoint = endpoint.func
    return inspect.isfunction(endpoint) or inspect.ismethod(endpoint)


def lookup_tables(routes: list[BaseRoute]) -> tuple[Table, Table]:
    static: Table = {}
    by_parent: Table = {}
    for i, route in enumerate(routes):
        if not isinstance(route, Route) or not route.methods or not _handles_own_errors(route):
            continue
        templated = ONE_PARAM.match(route.path)
        for method in route.methods:
            if "{" not in route.path and _first_for(routes, i, method, route.path):
                static.setdefault((method, route.path), route)
            elif templated:
                parent = templated["parent"]
                siblings = any(getattr(r, "path", "").startswith(parent + "/") for r in routes[:i])
                if not siblings and _first_for(routes, i, method, f"{parent}/{PROBE}"):
                    by_parent.setdefault((method, parent), route)
    return static, by_parent


class LookupRouter(Router):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.static, self.by_parent = lookup_tables(self.routes)
        # each templated entry's one parameter name, read once here instead of per request
        self._names = {key: next(iter(r.param_convertors)) for key, r in self.by_parent.items()}

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._direct(scope, receive, send):
            await super().app(scope, receive, send)

    def in_front_of(self, scan: ASGIApp, handlers: Any) -> ASGIApp:
        """An ASGI app sending what the dicts find straight to its route (``handlers``: the
        exception handlers, which the route reads from the scope), the rest to ``scan``."""

        async def front(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                scope["starlette.exception_handlers"] = handlers
                if await self._direct(scope, receive, send):
                    return
            await scan(scope, receive, send)

        return front

    async def _direct(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve the request if the dicts find its route; False if they do not. The route's
        match is worked out here, as ``Route.matches`` would (a table route's one parameter
        is a plain string: the last path segment), without running its regex again."""
        plain = scope["type"] == "http" and not scope.get("root_path")
        found = self._find(scope) if plain else None
        if found is None:
            return False
        route, params = found
        scope.setdefault("router", self)
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = {**scope.get("path_params", {}), **params}
        await route.handle(scope, receive, send)
        return True

    def _find(self, scope: Scope) -> tuple[Route, dict[str, str]] | None:
        method, path = scope["method"], scope["path"]
        route = self.static.get((method, path))
        if route is not None:
            return route, {}
        parent, _, last = path.rpartition("/")
        route = self.by_parent.get((method, parent)) if last else None
        if route is None:
            return None
        return route, {self._names[(method, parent)]: last}
