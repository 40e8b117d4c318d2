"""Let jsonschema's error walk skip the subschemas jsonschema-rs already judges valid.

An invalid body is worded by jsonschema (messages.py chooses among *all* its errors), and
walking every ``allOf`` branch, ``if`` and property in Python was most of an invalid create's
cost. A subschema the compiled check calls valid yields no error, so skipping it leaves the
error list, and its order, exactly as it was: ``allOf`` items, ``if``/``then``/``else`` and
``properties`` ask first and descend only into what may fail. ``anyOf``/``oneOf`` are left
alone (their errors carry every branch's errors as context).

Each subschema is compiled on first use as a ``$ref`` to its place (JSON pointer) in the
settled copy of its file (fast.py), where it sits at the same pointer; subschemas under
``x-kling-strict``/``x-kling-live`` (moved by the settling) and any the compiled check cannot
take are never skipped. Only a *valid* verdict is trusted, as in fast.py.
tests/validation/test_pruning.py checks that messages are the same with and without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import jsonschema_rs
from jsonschema import ValidationError

from mock_server.validation.shapes import children

Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError]]
Files = Iterable[tuple[str, Any, Any]]  # (uri, the file's contents, its settled copy)
_UNKNOWN = object()  # cache entry of a subschema the compiled check cannot take


def _escape(part: str) -> str:
    """One JSON pointer token, as a URI fragment."""
    return quote(part.replace("~", "~0").replace("/", "~1"), safe="~")


class Subschemas:
    """``valid(node, instance)``: True when jsonschema-rs says ``instance`` satisfies ``node``
    (a subschema object of one of the spec's files), None when it cannot say."""

    def __init__(self, files: Callable[[], Files], keywords: dict[str, Any]) -> None:
        self._files = files  # read on first use: most bodies are valid and never need this
        self._keywords = keywords
        self._places: dict[int, tuple[Any, str]] | None = None  # id(node) -> (node, place)
        self._registry: Any = None
        self._checks: dict[int, Any] = {}
        self._lock = threading.Lock()  # validation may run in worker threads

    def _indexed(self) -> dict[int, tuple[Any, str]]:
        with self._lock:
            if self._places is None:
                places: dict[int, tuple[Any, str]] = {}
                settled = {}
                for uri, contents, copy in self._files():
                    self._index(places, contents, uri + "#")
                    settled[uri] = copy
                try:
                    self._registry = jsonschema_rs.Registry(list(settled.items()))
                except (ValueError, jsonschema_rs.ReferencingError):
                    places = {}  # nothing is skipped: every error walk is the full one
                self._places = places
            return self._places

    def _index(self, places: dict[int, tuple[Any, str]], node: Any, place: str) -> None:
        if not isinstance(node, dict):
            return
        places.setdefault(id(node), (node, place))
        for path, sub in children(node):
            self._index(places, sub, place + "".join("/" + _escape(part) for part in path))

    def _check(self, node: Any) -> Any:
        check = self._checks.get(id(node))
        if check is not None:
            return check
        place = (self._places or self._indexed()).get(id(node))
        if place is None or place[0] is not node:
            return _UNKNOWN  # not a node of the files (a query schema built in code)
        try:
            check = jsonschema_rs.Draft202012Validator(
                {"$ref": place[1]},
                registry=self._registry,
                validate_formats=False,
                keywords=self._keywords,
            )
        except (ValueError, jsonschema_rs.ReferencingError):
            check = _UNKNOWN
        with self._lock:
            return self._checks.setdefault(id(node), check)

    def valid(self, node: Any, instance: Any) -> bool | None:
        if node is True:
            return True
        check = self._check(node)
        if check is _UNKNOWN:
            return None
        try:
            return bool(check.is_valid(instance))
        except Exception:  # what it cannot read (a lone surrogate, 1e400), jsonschema judges
            return None


def pruned_keywords(subschemas: Subschemas) -> dict[str, Keyword]:
    """``allOf``, ``if`` and ``properties`` as jsonschema's, skipping subschemas judged valid."""
    valid = subschemas.valid

    def all_of(validator: Any, subs: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        for index, sub in enumerate(subs):
            if not valid(sub, instance):
                yield from validator.descend(instance, sub, schema_path=index)

    def if_(validator: Any, cond: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        holds = valid(cond, instance)
        if holds is None:
            holds = validator.evolve(schema=cond).is_valid(instance)
        branch = "then" if holds else "else"
        if branch in schema and not valid(schema[branch], instance):
            yield from validator.descend(instance, schema[branch], schema_path=branch)

    def properties(
        validator: Any, props: Any, instance: Any, schema: Any
    ) -> Iterator[ValidationError]:
        if not validator.is_type(instance, "object"):
            return
        for name, sub in props.items():
            if name in instance and not valid(sub, instance[name]):
                yield from validator.descend(
                    instance[name], sub, path=name, schema_path=name
                )

    return {"allOf": all_of, "if": if_, "properties": properties}
