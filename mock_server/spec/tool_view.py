"""``/openapi.json`` as generic tools (schemathesis, Dredd, client generators) should read it.

``spec/openapi.py`` keeps the ``x-kling-*`` keywords, which only the fake understands.
``for_tools`` rewrites a copy into plain OpenAPI for the server's settings: the mode rules it
applies become ``allOf`` entries and the ones it skips go, catalogues become enums, image inputs
are URL strings, and values only the service issues (``x-kling-issued``: a cursor) are never
made up. Then the request schemas say what the fake accepts in that mode: lenient conversions
(spec/lenient.py) or strict closed objects (spec/closed.py), and rules a generator could not
combine written as cases (spec/cases.py). The validation schemas themselves are never touched.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from mock_server.spec.cases import split
from mock_server.spec.closed import close
from mock_server.spec.components import PREFIX, ref_parts, ref_target
from mock_server.spec.lenient import widen
from mock_server.validation.catalogs import catalog_keys

IMAGE_NOTE = (
    " In this document: an http(s) URL (accepted without fetching). Raw Base64 (no data: "
    "prefix) is accepted too, and checked: decoded, format, size and sides."
)
ISSUED_NOTE = (
    " In this document: empty, meaning none (only a value this service returned is valid, "
    "e.g. a next_cursor; a client sends it back as a string)."
)


def _standard(node: Any, *, strict: bool, live: bool) -> Any:
    """Mode keywords applied or dropped; image inputs described as URL strings."""
    if isinstance(node, list):
        return [_standard(v, strict=strict, live=live) for v in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-kling-issued") is True:  # no made-up value is valid: tools never send one
        return {"const": "", "description": node.get("description", "") + ISSUED_NOTE}
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
            parts = ref_parts(ref["$ref"])
            if parts and parts[0] in components and parts[0] not in names:
                names.add(parts[0])
                todo.append(components[parts[0]])
    return names


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


def _body_schema(body: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The schema a request body names, through its ``$ref``."""
    target = ref_target(body["schema"].get("$ref"), components)
    return target if isinstance(target, dict) else body["schema"]


def _retarget(node: Any, names: set[str]) -> None:
    for ref in _refs(node):
        parts = ref_parts(ref["$ref"])
        if parts and parts[0] in names:
            ref["$ref"] = f"{PREFIX}{parts[0]}.request{parts[1] and '/' + parts[1]}"


def _request_side(doc: dict[str, Any], roots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The request bodies' schemas, with request-side copies of what responses share (the
    request rewrites below must not reach the responses), each once."""
    components = doc["components"]["schemas"]
    requested = _reachable(roots, components)
    shared = requested & _reachable(_response_roots(doc), components)
    for name in shared:
        components[f"{name}.request"] = copy.deepcopy(components[name])
    for name in (requested - shared) | {f"{n}.request" for n in shared}:
        _retarget(components[name], shared)
    _retarget(roots, shared)
    return _bodies(roots, components)


def _bodies(roots: list[dict[str, Any]], components: dict[str, Any]) -> list[dict[str, Any]]:
    """Each request body's schema once (aliases share theirs)."""
    return list({id(t): t for t in (_body_schema(r, components) for r in roots)}.values())


def for_tools(document: dict[str, Any], *, strict: bool, live: bool) -> dict[str, Any]:
    """``document`` as generic tools should read it for a server with these settings."""
    doc: dict[str, Any] = _standard(copy.deepcopy(document), strict=strict, live=live)
    bodies = _request_side(doc, _request_roots(doc))
    components = doc["components"]["schemas"]
    if strict:
        close(bodies, components)  # no undeclared field (spec/closed.py)
    else:
        widen(bodies, components)  # the lenient conversions (spec/lenient.py)
    for body in bodies:
        _split(body)  # rules as cases a generator can take (spec/cases.py)
    return doc


def split_request_rules(document: dict[str, Any]) -> None:
    """Every request body's rules written as cases a generator can take (``split``), in
    place, and nothing else changed: the contract harness generates from its own copy of the
    document, with the ``x-kling-*`` keywords its oracle reads."""
    for body in _bodies(_request_roots(document), document["components"]["schemas"]):
        _split(body)


_SPLIT: dict[str, dict[str, Any]] = {}  # schema text -> its cases: a test suite builds many apps


def _split(body: dict[str, Any]) -> None:
    """``split`` (spec/cases.py), worked out once per schema and process."""
    key = json.dumps(body, sort_keys=True)
    if key not in _SPLIT:
        done = copy.deepcopy(body)
        split(done)
        _SPLIT[key] = done
    body.clear()
    body.update(copy.deepcopy(_SPLIT[key]))
