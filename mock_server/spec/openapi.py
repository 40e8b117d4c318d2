"""``/openapi.json``: an OpenAPI 3.1 document generated from the registry and the schemas.

Every schema file becomes ``components/schemas/<folder>.<name>`` and every ``$ref`` is rewritten
to point there, so generic tools need nothing but this one document.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urljoin

from mock_server.spec.loader import BASE_URI
from mock_server.spec.registry import Operation, Registry

ERROR_STATUSES = ("400", "401", "403", "404", "429", "500", "503", "504")


def component_name(rel_path: str) -> str:
    return rel_path.removesuffix(".json").replace("/", ".")


def _rewrite(node: Any, base: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#/components/"):
                out[key] = _local_ref(urljoin(base, value))
            elif key != "$id":
                out[key] = _rewrite(value, base)
        return out
    if isinstance(node, list):
        return [_rewrite(item, base) for item in node]
    return node


def _local_ref(absolute: str) -> str:
    uri, _, fragment = absolute.partition("#")
    if not uri.startswith(BASE_URI):
        return absolute
    return f"#/components/schemas/{component_name(uri[len(BASE_URI) :])}{fragment}"


def _envelope(data_schema: dict[str, Any], *, data_optional: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "object", "properties": {"data": data_schema}}
    if not data_optional:
        data["required"] = ["data"]
    return {"allOf": [{"$ref": "#/components/schemas/common.envelope"}, data]}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    if "{id}" in op.path:
        params.append(
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "task_id"
                + (" or external_task_id" if op.endpoint.query_by_external_id else ""),
            }
        )
    query = op.query_schema or {}
    required = set(query.get("required", []))
    for name, schema in (query.get("properties") or {}).items():
        params.append({"name": name, "in": "query", "required": name in required, "schema": schema})
    return params


def _tag(path: str) -> str:
    """Group operations as Kling's docs do: /v1/<group>/... or /account/..."""
    parts = path.strip("/").split("/")
    return parts[1] if parts[0] == "v1" and len(parts) > 1 else parts[0]


def _operation(op: Operation, path: str) -> dict[str, Any]:
    """``path``: the operation's own path or one of its aliases (same doc, own operationId)."""
    ep = op.endpoint
    summary = {
        "create": f"{ep.title}: create task",
        "get": f"{ep.title}: query task",
        "list": f"{ep.title}: list tasks",
    }.get(op.action, ep.title)
    doc: dict[str, Any] = {
        "operationId": op.op_id,
        "summary": summary,
        "tags": [_tag(op.path)],
        "parameters": _parameters(op),
        "responses": {
            "200": {
                "description": "Success (code 0, message SUCCEED)",
                "content": {
                    "application/json": {
                        "schema": _envelope(op.data_schema, data_optional=ep.live_omits_data)
                    }
                },
            },
            **{status: {"$ref": "#/components/responses/KlingError"} for status in ERROR_STATUSES},
        },
        "x-kling-doc-section": ep.doc,
    }
    if ep.design.auth == "api-key":  # the model-path design takes only the API key
        doc["security"] = [{"apiKeyAuth": []}]
    if path != op.path:
        doc["operationId"] = f"{op.op_id}@{path}"
        doc["x-kling-alias-of"] = op.path
    if ep.live_omits_data:
        doc["responses"]["200"]["description"] += (
            "; the live service sends no data (kling-mock --errors live)"
        )
    if op.body_schema is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body_schema}},
        }
    return doc


def build_openapi(registry: Registry, *, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in registry:
        for path in op.paths:
            paths.setdefault(path, {})[op.method.lower()] = _rewrite(_operation(op, path), BASE_URI)
    components = {
        component_name(rel): _rewrite(copy.deepcopy(schema), BASE_URI + rel)
        for rel, schema in registry.spec.schemas.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kling AI API (kling-mock)",
            "version": version,
            "description": "The Kling AI HTTP API as served by kling-mock, both designs (the "
            "legacy /v1/... one and the model-in-path one with /tasks), generated from its "
            "JSON Schemas.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A JWT (HS256; iss = access key) or the plain API key.",
                },
                "apiKeyAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The plain API key only (the model-in-path design).",
                },
            },
            "responses": {
                "KlingError": {
                    "description": "A Kling error: non-zero code, message, request_id",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/common.error"}
                        }
                    },
                }
            },
        },
    }
