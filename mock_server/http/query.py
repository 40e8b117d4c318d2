"""Query strings arrive as text; give each parameter the JSON type its schema declares."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from mock_server.validation.coercion import convert_scalar, declared_types


def typed_query(params: QueryParams, schema: dict[str, Any] | None) -> dict[str, Any]:
    """Done in strict mode too: a query string has no other way to carry a number."""
    props = (schema or {}).get("properties") or {}
    # A repeated parameter: the last one counts.
    return {
        name: convert_scalar(raw, declared_types(props.get(name, {})))
        for name, raw in params.items()
    }
