"""Where a schema keeps its subschemas, for the walks that copy (fast.py) or index (pruning.py)
them: the same list in both, so a subschema sits at the same JSON pointer in the original
file and in its settled copy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ONE_SCHEMA = ("additionalProperties", "items", "contains", "not", "if", "then", "else")
MANY_SCHEMAS = ("allOf", "anyOf", "oneOf")
NAMED_SCHEMAS = ("properties", "$defs")
MODES = ("x-kling-strict", "x-kling-live")  # settled copies move these into allOf


def children(node: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path below ``node``, subschema) of every subschema kept at its place when settled."""
    for key, value in node.items():
        if key in ONE_SCHEMA:
            yield (key,), value
        elif key in MANY_SCHEMAS and isinstance(value, list):
            for index, sub in enumerate(value):
                yield (key, str(index)), sub
        elif key in NAMED_SCHEMAS and isinstance(value, dict):
            for name, sub in value.items():
                yield (key, name), sub
