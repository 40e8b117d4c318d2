"""Lenient mode's conversions (validation/coercion.py), written into the tool view's requests.

Before it validates a body, the lenient fake converts a scalar sent to a field of another
declared type (5 -> "5", "5" -> 5, "true" -> true) and reads a null sent to a field that does
not allow null as "not given". ``widen`` writes both into the request schemas, so that a
generic tool and the fake agree on which bodies are valid, valid or invalid alike:

- a declared field (``properties`` of the request's own structure, the one coercion reads)
  takes the scalars that convert to a value it accepts, where the schema can say which (an
  enum, or a type with no bound or pattern), and null (not given) unless its object requires
  it;
- a rule's narrowing of a field (``properties`` under ``allOf``, ``if``, ``then``, ...) takes
  the raw forms of its ``enum`` or ``const``, and null, which "not given" meets;
- a ``required`` that null would meet for a tool but not for the fake gets "and not null".

Where a bound or pattern judges the converted text, nothing is widened: a tool then never
sends that form (an under-approximation, README "Generic tools against the fake").
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

from mock_server.spec.components import ref_target, resolve
from mock_server.spec.forms import converted, types_of, widened

_SCALARS = ("string", "integer", "number", "boolean")
_RULES = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else")
_NULL = {"type": "null"}
_NOT_NULL = {"type": ["array", "boolean", "integer", "number", "object", "string"]}


class _Declared:
    """The request's own structure as coercion reads it: ``$ref`` followed, siblings ignored.
    ``components``: an unchanged copy, read while ``live`` (the document's) is rewritten."""

    def __init__(self, live: dict[str, Any]) -> None:
        self.live = live
        self.components = copy.deepcopy(live)

    def resolve(self, node: Any) -> Any:
        return resolve(node, self.components)

    def field(self, node: Any, name: str) -> Any:
        """The declared schema of property ``name`` of ``node``, resolved; None if undeclared."""
        resolved = self.resolve(node)
        properties = resolved.get("properties") if resolved else None
        return self.resolve(properties.get(name)) if isinstance(properties, dict) else None

    def items(self, node: Any) -> Any:
        resolved = self.resolve(node)
        return self.resolve(resolved.get("items")) if resolved else None


def _nullable(declared: Any) -> bool:
    """Whether a null sent for this declared field means "not given"."""
    return isinstance(declared, dict) and "null" not in types_of(declared)


def _takes_null(schema: dict[str, Any]) -> bool | None:
    """Whether ``schema`` accepts null; None where a ``$ref`` hides the answer."""
    if "$ref" in json.dumps(schema):
        return None
    return bool(Draft202012Validator(schema).is_valid(None))


def with_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null, in the fewest words (a generator weighs every ``anyOf``)."""
    if _takes_null(schema):
        return schema
    if set(schema) & {"not", "allOf", "anyOf", "oneOf", "if", "$ref"}:
        return {"anyOf": [schema, _NULL]}
    out = dict(schema)
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    if "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    return out


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` and not null, said as the other types (cheaper for a generator than ``not``)."""
    if _takes_null(schema) is False:
        return schema
    if "type" in schema or "$ref" in schema:
        return {"allOf": [schema, _NOT_NULL]}
    return {**schema, **_NOT_NULL}


def _narrowed(rule: Any, declared: Any, where: _Declared) -> Any:
    """``rule`` (a schema judging the instance ``declared`` describes) with its narrowings
    widened as the fake reads the instance."""
    if not isinstance(rule, dict):
        return rule
    out = dict(rule)
    for key in _RULES:
        if isinstance(rule.get(key), list):
            out[key] = [_narrowed(v, declared, where) for v in rule[key]]
        elif key in rule:
            out[key] = _narrowed(rule[key], declared, where)
    for key in ("items", "contains"):
        if isinstance(rule.get(key), dict):
            out[key] = _narrowed(rule[key], where.items(declared), where)
    properties = out.get("properties")
    required = out.get("required")
    if isinstance(properties, dict) or isinstance(required, list):
        names = set(required) if isinstance(required, list) else set()
        fields = dict(properties) if isinstance(properties, dict) else {}
        for name, sub in fields.items():
            fields[name] = _field_rule(sub, where.field(declared, name), where, name in names)
        for name in names - fields.keys():  # a null would meet required for a tool, not the fake
            if isinstance(name, str) and _nullable(where.field(declared, name)):
                fields[name] = _NOT_NULL
        if fields:
            out["properties"] = fields
    return out


def _field_rule(rule: Any, declared: Any, where: _Declared, required: bool) -> Any:
    """A rule's narrowing of one declared field: raw forms of its values, and null unless the
    same rule requires the field (then never null: null is not given)."""
    if declared is None or not isinstance(rule, dict):
        return rule
    out = converted(_narrowed(rule, declared, where), types_of(declared))
    if not _nullable(declared):
        return out
    return _without_null(out) if required else with_null(out)


def _rules_in(live: Any, declared: Any, where: _Declared, seen: set[int]) -> None:
    """Widen, in place, the rules of ``live`` (a node of the request's own structure; its
    unchanged twin ``declared``) and of every node of that structure under it."""
    if not isinstance(live, dict) or id(live) in seen:
        return
    seen.add(id(live))
    ref = live.get("$ref")
    if ref is not None:
        _rules_in(ref_target(ref, where.live), ref_target(ref, where.components), where, seen)
        beside = {k: live[k] for k in ("properties", "items", "required") if k in live}
        live.update(_narrowed(beside, declared, where))  # coercion reads the target's: rules
    for key in _RULES:
        if key in live:
            live[key] = _narrowed({key: live[key]}, declared, where)[key]
    properties = live.get("properties")
    if isinstance(properties, dict):
        mine = (declared or {}).get("properties") or {}
        for name, sub in properties.items():
            _rules_in(sub, mine.get(name), where, seen)
    if isinstance(live.get("items"), dict):
        _rules_in(live["items"], (declared or {}).get("items"), where, seen)


def _sites(node: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(container, key) of what coercion.coerce converts directly under ``node``."""
    properties = node.get("properties")
    if isinstance(properties, dict):
        yield from ((properties, key) for key in properties)
    if isinstance(node.get("items"), dict):
        yield node, "items"


def _widen_sites(node: Any, components: dict[str, Any], seen: set[int]) -> None:
    """Widen, in place, what coercion.coerce converts: every property and array item, at every
    depth, through ``$ref`` (a referenced scalar is copied in, so its other users keep it)."""
    if not isinstance(node, dict) or id(node) in seen:
        return
    seen.add(id(node))
    if "$ref" in node:  # coercion reads the target; what is beside the $ref is a rule
        _widen_sites(ref_target(node["$ref"], components), components, seen)
        return
    own = node.get("required") or []
    for container, key in list(_sites(node)):
        site = container[key]
        if not isinstance(site, dict):
            continue
        target = ref_target(site.get("$ref"), components)
        scalar = site
        if isinstance(target, dict) and target.get("type") in _SCALARS:
            scalar = {k: v for k, v in target.items() if k != "$schema"}
            scalar.update({k: v for k, v in site.items() if k != "$ref"})
        wide = widened(scalar) if "$ref" not in scalar else None
        if wide is None:
            _widen_sites(site, components, seen)
        value = site if wide is None else wide
        declared = resolve(site, components)
        if container is node.get("properties") and key not in own and _nullable(declared):
            value = with_null(value)  # null: "not given" (coercion.py)
        container[key] = value


def widen(bodies: list[dict[str, Any]], components: dict[str, Any]) -> None:
    """Widen, in place, the request ``bodies`` (schemas in ``components``) for lenient mode."""
    where = _Declared(components)
    seen: set[int] = set()
    twins = {id(v): k for k, v in components.items()}
    for body in bodies:
        _rules_in(body, where.components.get(twins.get(id(body), "")), where, seen)
    seen = set()
    for body in bodies:
        _widen_sites(body, components, seen)
