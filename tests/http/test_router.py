"""http/router.py: the lookup dicts give exactly the route Starlette's scan gives.

A wrong method on a static path (404/1202 with Allow) is tested in test_errors.py.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match, Route

from mock_server.http.router import PROBE, LookupRouter, lookup_tables


def _scan(routes: list[BaseRoute], method: str, path: str) -> BaseRoute:
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    return next(r for r in routes if r.matches(scope)[0] is not Match.NONE)


def test_every_entry_is_the_route_the_scan_finds_first(app: Starlette) -> None:
    router = app.router
    assert isinstance(router, LookupRouter)
    assert ("POST", "/v1/videos/text2video") in router.static
    assert ("GET", "/v1/videos/text2video") in router.by_parent
    for (method, path), route in router.static.items():
        assert _scan(router.routes, method, path) is route, (method, path)
    for (method, parent), route in router.by_parent.items():
        assert _scan(router.routes, method, f"{parent}/{PROBE}") is route, (method, parent)


@pytest.mark.parametrize("last", [PROBE, "853719356303617537", "a b", "é", "x.y-z", "%41"])
def test_a_found_route_matches_as_starlettes_own_match(app: Starlette, last: str) -> None:
    """What ``_find`` hands the route is what ``Route.matches`` would put in the scope."""
    router = app.router
    assert isinstance(router, LookupRouter)
    keys = [*router.static, *((m, f"{parent}/{last}") for m, parent in router.by_parent)]
    for method, path in keys:
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        found = router._find(scope)
        assert found is not None, path
        route, params = found
        match, child = route.matches({**scope, "path_params": {}})
        assert match is Match.FULL and child == {"endpoint": route.endpoint, "path_params": params}


async def _endpoint(request: object) -> None: ...


@pytest.mark.parametrize("earlier", ["/other", "/a", "/a/fixed", "/a/{other}", "/{any:path}"])
def test_a_route_shadowed_by_an_earlier_one_is_left_to_the_scan(earlier: str) -> None:
    routes: list[BaseRoute] = [
        Route(earlier, _endpoint, methods=["GET"]),
        Route("/a", _endpoint, methods=["GET"]),
        Route("/a/{id}", _endpoint, methods=["GET"]),
    ]
    static, by_parent = lookup_tables(routes)
    for (method, path), route in static.items():
        assert _scan(routes, method, path) is route
    for (method, parent), route in by_parent.items():
        assert _scan(routes, method, f"{parent}/{PROBE}") is route
    if earlier == "/other":  # nothing in the way: both are looked up
        assert static[("GET", "/a")] is routes[1] and by_parent[("GET", "/a")] is routes[2]
