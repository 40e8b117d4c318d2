"""Fault rules and named scenarios at run time (``simulation/rules.py``, ``scenarios.py``).

Run-time rules come after the start-up ones (``--scenario``) and go at the next reset, which
brings the start-up rules back as they were.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.backend import Backend
from mock_server.control.base import PREFIX, ControlError, backend, json_body, reply
from mock_server.simulation.scenarios import (
    Known,
    ScenarioError,
    check_rules,
    named,
    named_scenario,
)


def _add(b: Backend, raws: list[dict[str, object]], scenario: str | None) -> list[str]:
    try:
        return b.faults.add(raws, "runtime", scenario)
    except KeyError as exc:
        rule_id = exc.args[0]
        raise ControlError(
            409, f"rule {rule_id!r} is already active; DELETE {PREFIX}/rules/{rule_id} first"
        ) from None


async def list_rules(request: Request) -> Response:
    """Every rule in the order they are tried: ``id``, ``source`` (``startup``, ``runtime``,
    or ``header`` once a request named its scenario in X-Kling-Mock-Scenario), ``scenario``,
    ``hits`` (requests it applied to), ``matched``, ``spent``, and its match, when and effect."""
    return reply({"rules": backend(request).faults.describe()})


async def add_rules(request: Request) -> Response:
    """One rule ``{"id"?, "match"?, "when"?, "effect"}`` or ``{"rules": [...]}``, checked as
    a scenario file is (400 naming the field; 409 if an id is already active). Answers
    ``{"ids": [...]}``."""
    b = backend(request)
    try:
        raws = check_rules(await json_body(request), Known.of(b.registry))
    except ScenarioError as exc:
        raise ControlError(400, str(exc)) from None
    return reply({"ids": _add(b, raws, None)})


async def delete_rule(request: Request) -> Response:
    """Remove one rule, whatever its source (a start-up rule comes back at the next reset)."""
    rule_id = request.path_params["rule_id"]
    if not backend(request).faults.remove(rule_id):
        raise ControlError(404, f"no active rule {rule_id!r}")
    return reply({"deleted": [rule_id]})


async def clear_rules(request: Request) -> Response:
    """Remove every run-time rule; the start-up rules stay."""
    return reply({"deleted": backend(request).faults.clear_runtime()})


async def list_scenarios(request: Request) -> Response:
    """The named scenarios: ``name``, ``description`` and ``rules``."""
    return reply(
        {
            "scenarios": [
                {"name": s.name, "description": s.description, "rules": list(s.rules)}
                for s in named().values()
            ]
        }
    )


async def activate(request: Request) -> Response:
    """Add a named scenario's rules as run-time rules (``DELETE /__mock/rules`` or a reset
    removes them). Answers ``{"scenario": name, "ids": [...]}``."""
    name = request.path_params["name"]
    try:
        scenario = named_scenario(name)
    except ScenarioError as exc:
        raise ControlError(404, str(exc)) from None
    return reply({"scenario": name, "ids": _add(backend(request), list(scenario.rules), name)})


ROUTES = [
    Route(f"{PREFIX}/rules", list_rules, methods=["GET"]),
    Route(f"{PREFIX}/rules", add_rules, methods=["POST"]),
    Route(f"{PREFIX}/rules", clear_rules, methods=["DELETE"]),
    Route(f"{PREFIX}/rules/{{rule_id}}", delete_rule, methods=["DELETE"]),
    Route(f"{PREFIX}/scenarios", list_scenarios, methods=["GET"]),
    Route(f"{PREFIX}/scenarios/{{name}}", activate, methods=["POST"]),
]
