"""The control route table: each module contributes its routes; all are guarded (loopback or
token) and described in ``/openapi.json`` under one tag."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import BaseRoute, Route

from mock_server.control import clock, journal, limits, rules, system, tasks
from mock_server.control.base import guarded

TAG = "kling-mock control"
MODULES = (system, clock, tasks, journal, limits, rules)


def control_routes() -> list[BaseRoute]:
    return [
        Route(r.path, guarded(r.endpoint), methods=sorted(r.methods or ()), name=r.name)
        for module in MODULES
        for r in module.ROUTES
    ]


def openapi_paths() -> dict[str, dict[str, Any]]:
    """Path items for the control routes (their docstrings say what goes in and out)."""
    paths: dict[str, dict[str, Any]] = {}
    for module in MODULES:
        for route in module.ROUTES:
            doc = (route.endpoint.__doc__ or route.name).strip()
            for method in sorted((route.methods or set()) - {"HEAD"}):
                paths.setdefault(route.path, {})[method.lower()] = {
                    "tags": [TAG],
                    "operationId": f"control.{module.__name__.rpartition('.')[2]}."
                    f"{route.name}.{method.lower()}",
                    "summary": doc.splitlines()[0],
                    "description": doc,
                    "security": [],
                    "parameters": [
                        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                        for name in re.findall(r"{(\w+)}", route.path)
                    ],
                    "responses": {
                        "200": {
                            "description": "JSON",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "default": {
                            "description": 'A refused call: {"error": "..."}',
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                    },
                }
    return paths
