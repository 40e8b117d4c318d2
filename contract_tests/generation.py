"""Request bodies from the schemas, valid and invalid, with schemathesis's public API.

schemathesis generates from a copy of our own ``/openapi.json`` prepared for generation:
- image inputs (``x-kling-image``) become one real image URL (by default Kling's own sample
  image from the AI Multi-Shot page), since random strings are never valid images;
- a schema whose ``if``/``then`` rules schemathesis could not combine (image2video and
  omni-video have about twenty) is given as exact ``oneOf`` cases, as the tool view gives it
  (``spec/cases.py``), so every rule is generated, none left out;
- values only the service can issue (``x-kling-issued``, e.g. a listing's cursor) are never
  generated: no made-up value is valid. Every generated body is judged by the oracle
  against the full schema.
No hand-written strategy is involved.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode

from mock_server.spec.openapi import build_openapi
from mock_server.spec.registry import Operation, Registry
from mock_server.spec.tool_view import split_request_rules
from mock_server.validation.refs import resolve

KLING_SAMPLE_IMAGE = "https://v1-kling.klingai.com/kcdn/cdn-kcdn112452/kling-qa-test/multi-1.png"
MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}


def _prepare(node: Any, image_url: str) -> Any:
    if isinstance(node, dict):
        if "x-kling-image" in node:
            return {
                "type": "string",
                "enum": [image_url],
                "description": node.get("description", "image input"),
            }
        if node.get("x-kling-issued") is True:
            return {"not": {}, "description": node.get("description", "issued by the service")}
        out = {k: _prepare(v, image_url) for k, v in node.items()}
        return out
    if isinstance(node, list):
        return [_prepare(v, image_url) for v in node]
    return node


def _is_image(schema: Any, resolver: Any) -> bool:
    """The schema checks an image, itself or in a branch (``then``, ``allOf``, ...)."""
    schema, resolver = resolve(schema, resolver)
    if not isinstance(schema, dict):
        return False
    if "x-kling-image" in schema:
        return True
    branches = [schema[k] for k in ("then", "else") if k in schema]
    branches += [b for k in ("allOf", "anyOf", "oneOf") for b in schema.get(k, [])]
    return any(_is_image(b, resolver) for b in branches)


def with_image_url(registry: Registry, endpoint: str, body: Any, image_url: str) -> Any:
    """``body`` with every image input (a field the schema marks ``x-kling-image``) set to
    ``image_url``: recorded examples use placeholder URLs that real Kling could not fetch."""
    request = registry.endpoints[endpoint].request
    if not request:
        return body
    schema = registry.spec.schema(request)
    resolver = registry.spec.registry.resolver(base_uri=str(schema.get("$id", "")))

    def walk(value: Any, schema: Any, resolver: Any) -> Any:
        schema, resolver = resolve(schema, resolver)
        if not isinstance(schema, dict):
            return value
        if isinstance(value, str) and value and _is_image(schema, resolver):
            return image_url
        if isinstance(value, dict):
            props = schema.get("properties") or {}
            return {k: walk(v, props[k], resolver) if k in props else v for k, v in value.items()}
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [walk(v, schema["items"], resolver) for v in value]
        return value

    return walk(body, schema, resolver)


@dataclass
class Generator:
    registry: Registry
    image_url: str = KLING_SAMPLE_IMAGE
    _strategies: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        doc = build_openapi(self.registry, version="contract")
        doc["components"]["schemas"] = _prepare(doc["components"]["schemas"], self.image_url)
        split_request_rules(doc)  # rules as cases schemathesis can combine (spec/cases.py)
        return doc

    @functools.cached_property
    def _operations(self) -> dict[tuple[str, str], Any]:
        schema = schemathesis.openapi.from_dict(self.document)
        out: dict[tuple[str, str], Any] = {}
        for result in schema.get_all_operations():
            op = result.ok()  # type: ignore[union-attr]  # our own document always loads
            out[(op.method.upper(), op.path)] = op
        return out

    def bodies(self, op: Operation, mode: str) -> st.SearchStrategy[Any]:
        """Bodies (POST) or query objects (GET) for ``op``, ``positive`` or ``negative``."""
        key = (op.op_id, mode)
        if key not in self._strategies:
            operation = self._operations[(op.method, op.path)]
            strategy = operation.as_strategy(generation_mode=MODES[mode])
            if op.method == "GET":
                self._strategies[key] = strategy.map(lambda case: dict(case.query or {}))
            else:
                self._strategies[key] = strategy.map(lambda case: case.body)
        strategy_out: st.SearchStrategy[Any] = self._strategies[key]
        return strategy_out


__all__ = ["KLING_SAMPLE_IMAGE", "Generator", "with_image_url"]
