"""Partial evaluation of a rule schema under one fact about the body.

``given(node, fact)`` is ``node`` for the bodies the fact describes: True (they all meet it),
False (none does), or a smaller schema they meet exactly when they meet ``node``. A fact
decides only what it names: ``FieldIs`` the ``properties[field]`` and ``required`` entries
naming the body's field (``$ref``-free narrowings judged on the value), ``Holds`` a subschema
equal to its condition (notes aside). Every other keyword is kept as it is and a ``$ref`` is
never followed, so nothing it could hide is decided. "Not given" (``ABSENT``) includes ``null``,
which lenient mode reads as not given (validation/coercion.py) and strict mode refuses through
the field's own schema anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

ABSENT = object()  # the field is not given (or null)
NOTES = ("$comment", "description", "title", "default", "examples")
_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs")
_DATA = ("enum", "const", "required", "default", "examples", "dependentRequired")


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(v) for v in node.values())
    return isinstance(node, list) and any(_has_ref(v) for v in node)


def holds(schema: Any, value: Any) -> bool | None:
    """Whether ``value`` meets ``schema``; None where a ``$ref`` hides the answer."""
    if _has_ref(schema):
        return None
    return bool(Draft202012Validator(schema).is_valid(value))


def _bare(node: Any) -> Any:
    """``node`` without notes (comments, messages), to compare conditions by meaning."""
    if isinstance(node, list):
        return [_bare(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in NOTES or key.startswith("x-"):
            continue
        if key in _MAPS and isinstance(value, dict):
            out[key] = {name: _bare(sub) for name, sub in value.items()}
        else:
            out[key] = value if key in _DATA else _bare(value)
    return out


def own(node: dict[str, Any]) -> list[str]:
    return [k for k in node if k not in NOTES and not k.startswith("x-")]


def key_of(node: Any) -> str:
    return json.dumps(_bare(node), sort_keys=True)


@dataclass(frozen=True)
class FieldIs:
    """The body's field ``name`` is ``value`` (``ABSENT``: not given)."""

    name: str
    value: Any

    def whole(self, node: dict[str, Any]) -> bool | None:
        return None

    def keyword(self, key: str, sub: Any) -> tuple[bool | None, Any]:
        """(False: the node fails | None, what is left of the keyword or None)."""
        name, value = self.name, self.value
        if key == "properties" and isinstance(sub, dict) and name in sub:
            verdict = True if value is ABSENT else holds(sub[name], value)
            if verdict is False:
                return False, None
            rest = {k: v for k, v in sub.items() if k != name or verdict is None}
            return None, rest or None
        if key == "required" and isinstance(sub, list) and name in sub:
            if value is ABSENT:
                return False, None
            return None, [n for n in sub if n != name] or None
        return None, sub


@dataclass(frozen=True)
class Holds:
    """A condition (compared by ``_key``) holds, or does not."""

    condition: str
    truth: bool
    keywords: frozenset[str]  # its own, notes aside: a cheap test before the full comparison

    def whole(self, node: dict[str, Any]) -> bool | None:
        if frozenset(own(node)) != self.keywords:
            return None
        return self.truth if key_of(node) == self.condition else None

    def keyword(self, key: str, sub: Any) -> tuple[bool | None, Any]:
        return None, sub


Fact = FieldIs | Holds


def decided(node: dict[str, Any]) -> Any:
    """``node`` as True where nothing but notes is left."""
    return True if all(k in NOTES or k.startswith("x-") for k in node) else node


def _all(items: list[Any], fact: Fact) -> Any:
    """``allOf`` items under the fact: False if one fails, True if all hold."""
    out = []
    for item in items:
        verdict = given(item, fact)
        if verdict is False:
            return False
        if verdict is not True:
            out.append(verdict)
    return out or True


def _any(items: list[Any], fact: Fact) -> Any:
    """``anyOf`` items under the fact: True if one holds, False if all fail."""
    out = []
    for item in items:
        verdict = given(item, fact)
        if verdict is True:
            return True
        if verdict is not False:
            out.append(verdict)
    return out or False


def _one(items: list[Any], fact: Fact) -> Any:
    """``oneOf`` items under the fact: failing items go; the count of the rest still matters."""
    kept = [as_schema(v) for v in (given(item, fact) for item in items) if v is not False]
    return kept or False


def _conditional(node: dict[str, Any], fact: Fact) -> Any:
    """``if``/``then``/``else`` of ``node`` under the fact: a branch, the condition, its
    negation, or the three kept."""
    cond = given(node["if"], fact)
    then = given(node.get("then", True), fact)
    other = given(node.get("else", True), fact)
    if cond is True:
        return then
    if cond is False or then == other:  # equal branches: whatever the condition says
        return other
    if then is False and other is True:
        return {"not": cond}
    if then is True and other is False:
        return cond
    out: dict[str, Any] = {"if": cond}
    if then is not True:
        out["then"] = as_schema(then)
    if other is not True:
        out["else"] = as_schema(other)
    return out


def as_schema(verdict: Any) -> Any:
    """A verdict written as a schema every tool reads (no boolean schemas)."""
    if verdict is True:
        return {}
    if verdict is False:
        return {"not": {}}
    return verdict


_COMBINE = {"allOf": _all, "anyOf": _any, "oneOf": _one}


def given(node: Any, fact: Fact) -> Any:
    """``node`` for the bodies the fact describes: True, False, or a schema those bodies meet
    exactly when they meet ``node``."""
    if not isinstance(node, dict):
        return node
    whole = fact.whole(node)
    if whole is not None:
        return whole
    out: dict[str, Any] = {}
    extra: list[Any] = []
    for key, sub in node.items():
        if key in _COMBINE and isinstance(sub, list):
            items = _COMBINE[key](sub, fact)
            if items is False:
                return False
            if items is not True:
                out[key] = items
        elif key == "not":
            inner = given(sub, fact)
            if inner is True:
                return False
            if inner is not False:
                out[key] = inner
        elif key == "if":
            verdict = _conditional(node, fact)
            if verdict is False:
                return False
            if verdict is not True:
                extra.append(verdict)
        elif key in ("then", "else"):
            continue  # read with "if"; without one they mean nothing
        else:
            failed, rest = fact.keyword(key, sub)
            if failed is False:
                return False
            if rest is not None:
                out[key] = rest
    if extra:
        out["allOf"] = [*out.get("allOf", []), *extra]
    if list(out) == ["allOf"] and len(out["allOf"]) == 1:
        return out["allOf"][0]  # a rule the fact reduced to one part is that part
    return decided(out)
