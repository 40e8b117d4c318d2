"""Scalar coercion, as the real service evidently does it (lenient mode only).

Official examples send "n": "9", "element_id": "160" and "multi_shot": "true" to fields typed
number or boolean, and they work (api-reference.md 1.8): the service converts scalars to the
declared type, as common JSON binders do by default. The fake does the same before it
validates: a number sent to a string field becomes its text (5 -> "5"), a numeric string sent
to a number field becomes the number, "true"/"false" a boolean. A value that does not convert
is left alone and the schema reports it. A ``null`` for a field that does not allow null
means the field was not given (clients often send unset optionals as null). ``--strict`` turns
all of this off. Digit strings of any length convert (see numbers.py), so a too-long number is
out of range like any other, not a type error.
"""

from __future__ import annotations

import re
from typing import Any

from mock_server.validation.numbers import HugeNumber, parse_float, parse_int
from mock_server.validation.refs import resolve

_INT = re.compile(r"-?[0-9]+")
_NUM = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def declared_types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    return set(declared) if isinstance(declared, list) else {declared} if declared else set()


def convert_scalar(value: Any, types: set[str]) -> Any:
    """``value`` as one of ``types`` where a scalar converts cleanly; else unchanged."""
    if not types or isinstance(value, dict | list) or value is None:
        return value
    if isinstance(value, bool):
        return value if "boolean" in types or "string" not in types else str(value).lower()
    if isinstance(value, int | float):
        if types & {"integer", "number"}:
            return value
        if "string" in types:
            return value.text if isinstance(value, HugeNumber) else str(value)
        return value
    if isinstance(value, str) and "string" not in types:
        if types & {"integer", "number"} and _INT.fullmatch(value):
            return parse_int(value)
        if "number" in types and _NUM.fullmatch(value):
            return parse_float(value)
        if "boolean" in types and value in ("true", "false"):
            return value == "true"
    return value


def coerce(value: Any, schema: Any, resolver: Any) -> Any:
    """``value`` with scalars converted to the types ``schema`` declares, at every depth."""
    schema, resolver = resolve(schema, resolver)
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        out = {}
        for key, item in value.items():
            if key not in properties:
                out[key] = item
                continue
            declared, _ = resolve(properties[key], resolver)
            if item is None and "null" not in declared_types(
                declared if isinstance(declared, dict) else {}
            ):
                continue  # null means "not given", as for an unset optional field
            out[key] = coerce(item, properties[key], resolver)
        return out
    if isinstance(value, list):
        items = schema.get("items")
        return [coerce(v, items, resolver) for v in value] if isinstance(items, dict) else value
    return convert_scalar(value, declared_types(schema))


class Coercer:
    """``coerce`` with what it reads from each schema node worked out once per node: the
    ``$ref`` hops, the declared types, and per property whether ``null`` is allowed."""

    def __init__(self) -> None:
        self._plans: dict[int, tuple[Any, _Plan]] = {}

    def __call__(self, value: Any, schema: Any, resolver: Any) -> Any:
        hit = self._plans.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = (schema, _Plan(schema, resolver))
            self._plans[id(schema)] = hit
        plan = hit[1]
        if not plan.is_schema:
            return value
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                prop = plan.properties.get(key)
                if prop is None:
                    out[key] = item
                elif item is not None or prop[1]:
                    out[key] = self(item, prop[0], plan.resolver)
            return out  # a null the field does not allow means "not given"
        if isinstance(value, list):
            items = plan.items
            return [self(v, items, plan.resolver) for v in value] if items is not None else value
        return convert_scalar(value, plan.types)


class _Plan:
    def __init__(self, schema: Any, resolver: Any) -> None:
        schema, self.resolver = resolve(schema, resolver)
        self.is_schema = isinstance(schema, dict)
        schema = schema if isinstance(schema, dict) else {}
        self.types = declared_types(schema)
        self.properties: dict[str, tuple[Any, bool]] = {}
        for key, sub in (schema.get("properties") or {}).items():
            declared, _ = resolve(sub, self.resolver)
            nullable = "null" in declared_types(declared if isinstance(declared, dict) else {})
            self.properties[key] = (sub, nullable)
        items = schema.get("items")
        self.items = items if isinstance(items, dict) else None
