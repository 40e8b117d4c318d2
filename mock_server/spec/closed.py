"""Strict mode's "no undeclared fields", written into the tool view's requests.

``--strict`` refuses a field the request schema does not declare, at any depth
(validation/caps.py ``undeclared``). A field counts as declared where any subschema that
applies at its place declares it: the node itself, what its ``$ref`` names, and every branch
(``allOf``/``anyOf``/``oneOf``/``if``/``then``/``else``), whether or not the branch holds.
``close`` gives each such object a ``propertyNames`` enum of exactly those names, on the node
the request's own structure puts there; a node with ``additionalProperties`` or
``patternProperties`` judges its other fields itself and is left open.
"""

from __future__ import annotations

from typing import Any

from mock_server.spec.components import ref_target

_BRANCHES = ("allOf", "anyOf", "oneOf")


def _applying(node: Any, components: dict[str, Any], out: list[dict[str, Any]]) -> None:
    """``node`` and every subschema that judges the same instance, into ``out``."""
    if not isinstance(node, dict) or any(n is node for n in out):
        return
    out.append(node)
    _applying(ref_target(node.get("$ref"), components), components, out)
    for key in _BRANCHES:
        for branch in node.get(key) or []:
            _applying(branch, components, out)
    for key in ("if", "then", "else"):
        _applying(node.get(key), components, out)


def _close(subs: list[Any], components: dict[str, Any], seen: set[int]) -> None:
    """Close the object the schemas ``subs`` judge together (the first is its own node), and
    every object and array inside it."""
    if not subs or id(subs[0]) in seen:
        return
    nodes: list[dict[str, Any]] = []
    for sub in subs:
        _applying(sub, components, nodes)
    declared: dict[str, list[Any]] = {}
    items: list[Any] = []
    open_ = False
    for node in nodes:
        open_ = open_ or "additionalProperties" in node or "patternProperties" in node
        for name, sub in (node.get("properties") or {}).items():
            declared.setdefault(name, []).append(sub)
        if isinstance(node.get("items"), dict):
            items.append(node["items"])
    site = subs[0]
    seen.add(id(site))
    if declared and not open_ and isinstance(site, dict):
        site["propertyNames"] = {"enum": sorted(declared)}
    for found in declared.values():
        _close(found, components, seen)
    if items:
        _close(items, components, seen)


def close(bodies: list[dict[str, Any]], components: dict[str, Any]) -> None:
    """Close, in place, every object of the request ``bodies`` (schemas in ``components``)."""
    seen: set[int] = set()
    for body in bodies:
        _close([body], components, seen)
