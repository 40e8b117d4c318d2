"""A compiled validator (jsonschema-rs) that decides only "no schema error", for speed.

jsonschema (validator.py) builds the 1201 message; running it on every valid body cost about
half of a create. So each request schema is also compiled with jsonschema-rs, over a copy in
which the mode is settled: ``x-kling-strict`` / ``x-kling-live`` become ``allOf`` entries when
their mode is on and vanish when it is off; every ``type`` whose schema states no length limit
gets ``maxLength: --max-string-chars`` (the cap of caps.string_cap, judged on the original
schema); a ``pattern`` ending in ``$`` also allows one final newline, as Python's ``re`` does.
``x-kling-image``, ``x-kling-rule`` and ``x-kling-catalog`` run as jsonschema-rs custom
keywords calling the same Python checks. The other ``x-kling-*`` keywords are annotations.

It is only ever trusted to say *valid*: anything it refuses, or cannot read (a lone surrogate,
an infinite number), goes to jsonschema, so an invalid body gets today's answer by
construction. A schema using a keyword this module does not know is not compiled (it keeps
the slow path; ``FastValidators.fallbacks`` counts them). tests/validation/test_fast_path.py
checks that the two agree on validity.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema_rs
from referencing import Registry

from mock_server.validation.caps import limited
from mock_server.validation.catalogs import catalog_keys
from mock_server.validation.images import ImageProblem, check_image, is_url
from mock_server.validation.pruning import Subschemas
from mock_server.validation.rules import RULES
from mock_server.validation.shapes import MANY_SCHEMAS, MODES, NAMED_SCHEMAS, ONE_SCHEMA

Schema = dict[str, Any]
_PLAIN = frozenset(
    {
        *("$comment", "$id", "$ref", "$schema", "title", "description", "default"),
        *("const", "enum", "type", "required", "dependentRequired", "minProperties"),
        *("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
        *("minLength", "maxLength", "pattern", "minItems", "maxItems"),
        *("minContains", "maxContains"),
        *("x-kling-code", "x-kling-message", "x-kling-ref", "x-kling-issued"),
        *("x-kling-ref-rule",),
        *("x-kling-image", "x-kling-rule", "x-kling-catalog", "x-kling-issues"),
    }
)
_KNOWN = _PLAIN | {*ONE_SCHEMA, *MANY_SCHEMAS, *NAMED_SCHEMAS, *MODES}


class Unsupported(Exception):
    """A keyword the copy cannot carry over faithfully: that schema keeps the slow path."""


def settle(schema: Any, resolver: Any, *, strict: bool, live: bool, max_chars: int) -> Any:
    """The copy of ``schema`` that jsonschema-rs validates (see the module docstring)."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema)[:80])
    unknown = schema.keys() - _KNOWN
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))

    def again(sub: Any) -> Any:
        return settle(sub, resolver, strict=strict, live=live, max_chars=max_chars)

    out: Schema = {}
    for key, value in schema.items():
        if key in ONE_SCHEMA:
            out[key] = again(value)
        elif key in MANY_SCHEMAS:
            out[key] = [again(sub) for sub in value]
        elif key in NAMED_SCHEMAS:
            out[key] = {name: again(sub) for name, sub in value.items()}
        elif key == "pattern" and value.endswith("$") and not value.endswith("\\$"):
            out[key] = value[:-1] + "\\n?$"  # Python's "$" also matches before a final "\n"
        elif key not in MODES:
            out[key] = value
    on = [key for key, wanted in zip(MODES, (strict, live), strict=True) if wanted]
    modal = [again(schema[key]) for key in on if key in schema]
    if modal:
        out["allOf"] = [*out.get("allOf", []), *modal]
    if "type" in schema and not limited(schema, resolver):
        out["maxLength"] = max_chars
    return out


def _image(max_chars: int) -> type:
    class Image:
        """x-kling-image, as validator._image: a URL within the cap, else a readable image."""

        def __init__(self, parent: Schema, value: Any, path: Any) -> None:
            self._spec = value

        def validate(self, instance: Any) -> None:
            if not isinstance(instance, str):
                return
            if is_url(instance):
                if len(instance) > max_chars:
                    raise ValueError("too long")
                return
            try:
                check_image(instance, self._spec)
            except ImageProblem as problem:
                raise ValueError(str(problem)) from None

    return Image


class _Rule:
    def __init__(self, parent: Schema, value: Any, path: Any) -> None:
        self._rules = value if isinstance(value, list) else [value]

    def validate(self, instance: Any) -> None:
        if isinstance(instance, dict):
            for params in self._rules:
                for _ in RULES[params["rule"]](instance, params):
                    raise ValueError(params["rule"])


class _Catalog:
    def __init__(self, parent: Schema, value: Any, path: Any) -> None:
        self._keys = catalog_keys(value["file"], value["key"])

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and instance not in self._keys:
            raise ValueError("not in the catalogue")


IsValid = Callable[[Any], bool]


class FastValidators:
    """One ``is_valid`` per request schema, or None for those left to the slow path."""

    def __init__(
        self, registry: Registry, uris: Iterable[str], *, strict: bool, live: bool, max_chars: int
    ) -> None:
        self._options = {"strict": strict, "live": live, "max_chars": max_chars}
        self._registry = registry
        self.fallbacks: list[str] = []
        self._settled: dict[str, Any] = {}
        for uri in uris:
            # a request schema reaching an unsupported file falls back (see ``compile``)
            with contextlib.suppress(Unsupported):
                self._settled[uri] = self._settle(registry.contents(uri), uri)
        self._keywords = {
            "x-kling-image": _image(max_chars),
            "x-kling-rule": _Rule,
            "x-kling-catalog": _Catalog,
        }

    def subschemas(self) -> Subschemas:
        """The same compiled check for any subschema of the settled files (pruning.py)."""
        return Subschemas(self._whole_files, self._keywords)

    def _whole_files(self) -> Iterator[tuple[str, Any, Any]]:
        """(uri, contents, settled copy) of the files whose every $ref reaches a settled one."""
        for uri, settled in self._settled.items():
            with contextlib.suppress(KeyError):
                _reached(settled, uri, self._settled)
                yield uri, self._registry.contents(uri), settled

    def _settle(self, schema: Any, base_uri: str) -> Any:
        resolver = self._registry.resolver(base_uri=base_uri)
        return settle(schema, resolver, **self._options)  # type: ignore[arg-type]

    def compile(self, name: str, schema: Schema) -> IsValid | None:
        """``is_valid`` for ``schema``, or None (counted in ``fallbacks``)."""
        try:
            settled = self._settle(schema, str(schema.get("$id", "")))
            reached = _reached(settled, str(schema.get("$id", "")), self._settled)
            checker = jsonschema_rs.Draft202012Validator(
                settled,
                registry=jsonschema_rs.Registry([(u, self._settled[u]) for u in reached]),
                validate_formats=False,
                keywords=self._keywords,
            )
        except (Unsupported, KeyError, ValueError, jsonschema_rs.ReferencingError):
            self.fallbacks.append(name)
            return None

        def is_valid(instance: Any) -> bool:
            try:
                return bool(checker.is_valid(instance))
            except Exception:  # what it cannot read (a lone surrogate), jsonschema judges
                return False

        return is_valid


def _refs(schema: Any) -> Iterable[str]:
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            yield schema["$ref"]
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def _reached(schema: Any, base: str, settled: dict[str, Any]) -> set[str]:
    """The files ``schema`` reaches through ``$ref`` (KeyError: one of them was not settled)."""
    out: set[str] = set()
    todo = [(schema, base)]
    while todo:
        node, here = todo.pop()
        for ref in _refs(node):
            uri = urldefrag(urljoin(here, ref)).url
            if uri and uri not in out:
                out.add(uri)
                todo.append((settled[uri], uri))
    return out
