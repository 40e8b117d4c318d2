"""Invalid bodies made deterministically: start from an endpoint's recorded minimal valid body
and break one constraint of one top-level field at a time, as the schema states it (wrong
type, out of range, over length, bad enum, missing required, broken conditional rule).

These complement schemathesis's negative mode (random, broad) with a fixed, complete sweep, so
a fake that stops enforcing any one declared constraint is caught on every run. The oracle
still decides what each mutated body should get.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from referencing import Registry as RefRegistry

from mock_server.spec.registry import Registry
from mock_server.validation.refs import resolve

# A "type" mutation sends a structure: scalars would be coerced to the declared type, as the
# service does (see mock_server/validation/coercion.py), so they would not break the rule.
STRUCTURES = {"object": {"k": "v"}, "array": [1]}


@dataclass(frozen=True)
class Mutation:
    name: str  # e.g. "duration: enum"
    body: dict[str, Any]


def _broken_values(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    types = schema.get("type")
    types = types if isinstance(types, list) else [types] if types else []
    for name, value in STRUCTURES.items():
        if types and name not in types:
            yield "type", value
            break
    if "enum" in schema:
        yield "enum", "not-an-allowed-value" if "string" in types or not types else 987654
    if "const" in schema:
        yield "const", "not-the-constant"
    if "maximum" in schema:
        yield "maximum", schema["maximum"] + 1
    if "minimum" in schema:
        yield "minimum", schema["minimum"] - 1
    if "maxLength" in schema:
        yield "maxLength", "x" * (int(schema["maxLength"]) + 1)
    if schema.get("minLength", 0) > 0:
        yield "minLength", ""
    if "maxItems" in schema and isinstance(schema.get("items"), dict):
        yield "maxItems", [None] * (int(schema["maxItems"]) + 1)
    if schema.get("minItems", 0) > 0:
        yield "minItems", []
    if "x-kling-image" in schema:
        yield "x-kling-image", "data:image/png;base64,AAAA"


def mutations(registry: Registry, endpoint: str, base: dict[str, Any]) -> list[Mutation]:
    ep = registry.endpoints[endpoint]
    if not ep.request:
        return []
    refs: RefRegistry = registry.spec.registry
    schema = registry.spec.schema(ep.request)
    resolver = refs.resolver(base_uri=str(schema.get("$id", "")))
    schema, resolver = resolve(schema, resolver)  # a request schema may be a bare $ref
    out: list[Mutation] = []
    for name, sub in (schema.get("properties") or {}).items():
        resolved, _ = resolve(sub, resolver)
        if not isinstance(resolved, dict):
            continue
        for keyword, value in _broken_values(resolved):
            out.append(Mutation(f"{name}: {keyword}", {**base, name: value}))
    for name in schema.get("required", []):
        if name in base:
            out.append(Mutation(f"{name}: required", {k: v for k, v in base.items() if k != name}))
    return out
