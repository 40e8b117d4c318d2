"""``/openapi.json`` as generic tools (schemathesis, Dredd, client generators) should read it.

``spec/openapi.py`` keeps the ``x-kling-*`` keywords, which only the fake understands.
``for_tools`` rewrites a copy into plain OpenAPI for the server's settings: the mode rules it
applies become ``allOf`` entries and the ones it skips go, catalogues become enums, image inputs
are URL strings, lenient scalar conversion (validation/coercion.py) widens the types, and values
only the service issues (``x-kling-issued``: a cursor) are never to be sent. The validation
schemas themselves are never touched.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

from mock_server.validation.catalogs import catalog_keys

IMAGE_NOTE = (
    " In this document: an http(s) URL (accepted without fetching). Raw Base64 (no data: "
    "prefix) is accepted too, and checked: decoded, format, size and sides."
)
ISSUED_NOTE = (
    " In this document: never sent (only a value this service returned is valid, e.g. a "
    "next_cursor; a client sends it back as a string)."
)
_INT_TEXT = "^-?[0-9]+$"
_NUM_TEXT = "^-?[0-9]+(\\.[0-9]+)?$"
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "const")
_STRING_RULES = ("pattern", "format", "const", "x-kling-image", "x-kling-catalog")
_MIN_TEXT_ROOM = 64  # the text of any generated number or boolean fits in this many characters
_PREFIX = "#/components/schemas/"
_SCALARS = ("string", "integer", "number", "boolean")


def _standard(node: Any, *, strict: bool, live: bool) -> Any:
    """Mode keywords applied or dropped; image inputs described as URL strings."""
    if isinstance(node, list):
        return [_standard(v, strict=strict, live=live) for v in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-kling-issued") is True:  # no made-up value is valid: tools never send one
        return {"not": {}, "description": node.get("description", "") + ISSUED_NOTE}
    out = {k: _standard(v, strict=strict, live=live) for k, v in node.items()}
    for key, on in (("x-kling-strict", strict), ("x-kling-live", live)):
        sub = out.pop(key, None)
        if sub is not None and on:
            out["allOf"] = [*out.get("allOf", []), sub]
            if "default" in out:  # what an omitted field means; the rule may refuse it if sent
                note = f" When omitted: {json.dumps(out.pop('default'))}."
                out["description"] = out.get("description", "") + note
    catalog = out.pop("x-kling-catalog", None)
    if catalog is not None:
        out["enum"] = sorted(catalog_keys(catalog["file"], catalog["key"]))
    if "x-kling-image" in out:
        out.update(format="uri", pattern="^https?://")
        out["description"] = out.get("description", "An image input.") + IMAGE_NOTE
    return out


def _widen(schema: dict[str, Any]) -> dict[str, Any] | None:
    """``schema`` plus the scalars lenient mode converts to it (validation/coercion.py), or None
    where the converted value could still be refused (bounds, patterns) or nothing converts."""
    declared = schema.get("type")
    enum = schema.get("enum")
    if declared == "string" and not any(k in schema for k in _STRING_RULES):
        if enum is not None:
            extra = [_number(v) for v in enum if isinstance(v, str) and _number(v) is not None]
            extra += [v == "true" for v in enum if v in ("true", "false")]
            if not extra:
                return None
            types = sorted({"string"} | {_json_type(v) for v in extra})
            return {**schema, "type": types, "enum": [*enum, *extra]}
        if schema.get("maxLength", _MIN_TEXT_ROOM) < _MIN_TEXT_ROOM:
            return None
        if schema.get("minLength", 0) > 1:
            return None
        return {**schema, "type": ["string", "number", "boolean"]}
    if declared in ("integer", "number") and not any(k in schema for k in _BOUNDS):
        if enum is not None:
            texts = [str(v) for v in enum if not isinstance(v, bool) and _number(str(v)) == v]
            return {**schema, "type": [declared, "string"], "enum": [*enum, *texts]}
        pattern = _INT_TEXT if declared == "integer" else _NUM_TEXT
        return {**schema, "type": [declared, "string"], "pattern": pattern}
    if declared == "boolean" and enum is None and "const" not in schema:
        return {**schema, "type": ["boolean", "string"], "enum": [True, False, "true", "false"]}
    return None


def _number(text: str) -> int | float | None:
    """The number lenient mode reads from ``text`` where it converts back to the same text."""
    if re.fullmatch(_INT_TEXT, text):
        return int(text)
    if re.fullmatch(_NUM_TEXT, text) and str(float(text)) == text:
        return float(text)
    return None


def _json_type(value: Any) -> str:
    return (
        "boolean" if isinstance(value, bool) else "integer" if isinstance(value, int) else "number"
    )


def _split(ref: Any) -> tuple[str, str] | None:
    """``#/components/schemas/<name><pointer>`` -> (name, pointer)."""
    if not isinstance(ref, str) or not ref.startswith(_PREFIX):
        return None
    name, _, pointer = ref[len(_PREFIX) :].partition("/")
    return name, pointer


def _target(ref: Any, components: dict[str, Any]) -> Any:
    parts = _split(ref)
    if parts is None:
        return None
    node = components.get(parts[0])
    for token in filter(None, parts[1].split("/")):
        node = node.get(token) if isinstance(node, dict) else None
    return node


def _refs(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(roots: list[Any], components: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    todo = list(roots)
    while todo:
        for ref in _refs(todo.pop()):
            parts = _split(ref["$ref"])
            if parts and parts[0] in components and parts[0] not in names:
                names.add(parts[0])
                todo.append(components[parts[0]])
    return names


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
    _widen_sites(_target(node.get("$ref"), components), components, seen)
    for container, key in list(_sites(node)):
        site = container[key]
        if not isinstance(site, dict):
            continue
        target = _target(site.get("$ref"), components)
        scalar = site
        if isinstance(target, dict) and target.get("type") in _SCALARS:
            scalar = {k: v for k, v in target.items() if k != "$schema"}
            scalar.update({k: v for k, v in site.items() if k != "$ref"})
        wide = _widen(scalar) if "$ref" not in scalar else None
        if wide is None:
            _widen_sites(site, components, seen)
        value = site if wide is None else wide
        if container is node.get("properties") and key not in _named(node, components):
            value = {"anyOf": [value, {"type": "null"}]}  # null: "not given" (coercion.py)
        container[key] = value


def _named(node: Any, components: dict[str, Any], seen: set[int] | None = None) -> set[str]:
    """Every field a ``required`` rule in ``node`` names, at any depth: a null there would count
    as present for generic tools but as missing for the fake."""
    seen = set() if seen is None else seen
    if isinstance(node, list):
        return set().union(*(_named(v, components, seen) for v in node))
    if not isinstance(node, dict) or id(node) in seen:
        return set()
    seen.add(id(node))
    names = {n for n in node.get("required", []) if isinstance(n, str)}
    names |= _named(_target(node.get("$ref"), components), components, seen)
    return names.union(*(_named(v, components, seen) for k, v in node.items() if k != "required"))


def _request_roots(document: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = (
        op.get("requestBody", {}).get("content", {}).get("application/json", {})
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    )
    return [body for body in bodies if "schema" in body]


def _response_roots(document: dict[str, Any]) -> list[Any]:
    ops = (op for item in document["paths"].values() for op in item.values())
    return [op.get("responses") for op in ops if isinstance(op, dict)]


def _retarget(node: Any, names: set[str]) -> None:
    for ref in _refs(node):
        parts = _split(ref["$ref"])
        if parts and parts[0] in names:
            ref["$ref"] = f"{_PREFIX}{parts[0]}.request{parts[1] and '/' + parts[1]}"


def for_tools(document: dict[str, Any], *, strict: bool, live: bool) -> dict[str, Any]:
    """``document`` as generic tools should read it for a server with these settings."""
    doc: dict[str, Any] = _standard(copy.deepcopy(document), strict=strict, live=live)
    if strict:
        return doc
    components = doc["components"]["schemas"]
    roots = _request_roots(doc)
    requested = _reachable(roots, components)
    shared = requested & _reachable(_response_roots(doc), components)
    for name in shared:  # request-side copies: responses keep the declared types
        components[f"{name}.request"] = copy.deepcopy(components[name])
    for name in (requested - shared) | {f"{n}.request" for n in shared}:
        _retarget(components[name], shared)
    _retarget(roots, shared)
    seen: set[int] = set()
    for root in roots:
        _widen_sites(root["schema"], components, seen)
    return doc
