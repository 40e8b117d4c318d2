"""Follow ``$ref``s to the schema they name, keeping the resolver for the next hop."""

from __future__ import annotations

from typing import Any


def resolve(schema: Any, resolver: Any) -> tuple[Any, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    return schema, resolver
