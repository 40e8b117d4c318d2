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
"""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

Table = dict[tuple[str, str], Route]
ONE_PARAM = re.compile(r"^(?P<parent>[^{}]*)/\{\w+\}$")  # e.g. /v1/videos/text2video/{id}
PROBE = "kling-mock-probe"  # stands for any one segment when asking earlier routes


def _first_for(routes: list[BaseRoute], i: int, method: str, path: str) -> bool:
    """No route before routes[i] matches ``method path`` at all (not even for a 405)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    return all(r.matches(scope)[0] is Match.NONE for r in routes[:i])


def lookup_tables(routes: list[BaseRoute]) -> tuple[Table, Table]:
    static: Table = {}
    by_parent: Table = {}
    for i, route in enumerate(routes):
        if not isinstance(route, Route) or not route.methods:
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

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        plain = scope["type"] == "http" and not scope.get("root_path")
        route = self._find(scope) if plain else None
        if route is not None:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)

    def _find(self, scope: Scope) -> Route | None:
        method, path = scope["method"], scope["path"]
        route = self.static.get((method, path))
        if route is None:
            parent, _, last = path.rpartition("/")
            route = self.by_parent.get((method, parent)) if last else None
        return route
