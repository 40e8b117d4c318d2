"""References inside ``/openapi.json``: ``#/components/schemas/<name><pointer>``."""

from __future__ import annotations

from typing import Any

PREFIX = "#/components/schemas/"


def ref_parts(ref: Any) -> tuple[str, str] | None:
    """``#/components/schemas/<name><pointer>`` -> (name, pointer)."""
    if not isinstance(ref, str) or not ref.startswith(PREFIX):
        return None
    name, _, pointer = ref[len(PREFIX) :].partition("/")
    return name, pointer


def ref_target(ref: Any, components: dict[str, Any]) -> Any:
    parts = ref_parts(ref)
    if parts is None:
        return None
    node = components.get(parts[0])
    for token in filter(None, parts[1].split("/")):
        node = node.get(token) if isinstance(node, dict) else None
    return node


def resolve(node: Any, components: dict[str, Any]) -> Any:
    """``node`` with its ``$ref`` chain followed (siblings ignored, as coercion does)."""
    for _ in range(32):
        if not (isinstance(node, dict) and "$ref" in node):
            break
        node = ref_target(node["$ref"], components)
    return node if isinstance(node, dict) else None
