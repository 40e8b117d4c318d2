"""Limits that hold where no schema states one, so everything stored and echoed is bounded.

- A string whose schema gives no limit (``maxLength``, ``enum``, ``const``, ``x-kling-image``,
  itself or through ``$ref``, ``allOf``, ``then``/``else``) is at most ``--max-string-chars``
  characters: ``string_cap`` wraps the ``type`` keyword, which every declared string has.
- Fields the schema does not declare are kept in lenient mode (clients send extras), so their
  strings get the same cap, and there may be at most ``--max-unknown-fields`` of them per
  request, counting everything nested inside them; ``--strict`` refuses them outright.
- A number beyond every range (``HugeNumber``, e.g. ``1e400``) that no bound of its field
  caught is refused as out of range.

Each error reads like the schema's own (``must be at most N characters``), and they are looked
for only when the schema found nothing wrong, so a field's own rule is always the one named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from mock_server.validation.messages import field_path
from mock_server.validation.numbers import is_huge, out_of_range
from mock_server.validation.refs import resolve

Path = tuple[str | int, ...]
_OWN_LIMITS = frozenset({"maxLength", "enum", "const", "x-kling-image"})
_BRANCHES = ("allOf", "anyOf", "oneOf")
_TYPE = Draft202012Validator.VALIDATORS["type"]


def too_long(max_chars: int, path: Path = ()) -> ValidationError:
    """Worded by messages.describe like a schema's own maxLength."""
    return ValidationError(
        f"must be at most {max_chars} characters",
        validator="maxLength",
        validator_value=max_chars,
        path=path,
    )


def string_cap(max_chars: int) -> Callable[..., Iterator[ValidationError]]:
    """The ``type`` keyword, plus the generic cap on strings with no limit of their own."""

    def type_(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        yield from _TYPE(validator, types, instance, schema)
        # (jsonschema keeps the resolver of the schema being applied only privately)
        long = isinstance(instance, str) and len(instance) > max_chars
        if long and not _limited(schema, validator._resolver, set()):
            yield too_long(max_chars)

    return type_


def limited(schema: Any, resolver: Any) -> bool:
    """Whether a string under ``schema`` has a length limit other than the generic cap."""
    return _limited(schema, resolver, set())


def _limited(schema: Any, resolver: Any, seen: set[int]) -> bool:
    """Whether ``schema`` bounds a string's length itself or through what it applies
    (``$ref``, ``allOf``, ``then``/``else``, every branch of ``anyOf``/``oneOf``)."""
    if not isinstance(schema, dict) or id(schema) in seen:
        return False
    seen.add(id(schema))
    if _OWN_LIMITS & schema.keys():
        return True
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        if _limited(resolved.contents, resolved.resolver, seen):
            return True
    applied = [*schema.get("allOf", []), *(schema[k] for k in ("then", "else") if k in schema)]
    if any(_limited(sub, resolver, seen) for sub in applied):
        return True
    return any(
        schema.get(key) and all(_limited(sub, resolver, seen) for sub in schema[key])
        for key in ("anyOf", "oneOf")
    )


def _declared(schema: Any, resolver: Any) -> dict[str, list[tuple[Any, Any]]]:
    """Property name -> (subschema, resolver) from the schema and all its branches."""
    found: dict[str, list[tuple[Any, Any]]] = {}
    if not isinstance(schema, dict):
        return found
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        for name, subs in _declared(resolved.contents, resolved.resolver).items():
            found.setdefault(name, []).extend(subs)
    for name, sub in (schema.get("properties") or {}).items():
        found.setdefault(name, []).append((sub, resolver))
    branches = [b for key in _BRANCHES for b in schema.get(key, [])]
    branches += [schema[k] for k in ("if", "then", "else") if k in schema]
    for branch in branches:
        for name, subs in _declared(branch, resolver).items():
            found.setdefault(name, []).extend(subs)
    return found


def _items(schema: Any, resolver: Any) -> tuple[Any, Any] | None:
    schema, resolver = resolve(schema, resolver)
    if not isinstance(schema, dict) or not isinstance(schema.get("items"), dict):
        return None
    return schema["items"], resolver


class Declared:
    """``_declared`` and ``_items`` per schema node, each worked out once (the schemas never
    change after start-up; the node is kept alive with its answer, so its id stays unique)."""

    def __init__(self) -> None:
        self._fields: dict[int, tuple[Any, dict[str, list[tuple[Any, Any]]], bool]] = {}
        self._items: dict[int, tuple[Any, tuple[Any, Any] | None]] = {}

    def fields(self, schema: Any, resolver: Any) -> tuple[dict[str, list[tuple[Any, Any]]], bool]:
        """The declared fields, and whether undeclared ones are the schema's own business."""
        hit = self._fields.get(id(schema))
        if hit is None or hit[0] is not schema:
            own = "additionalProperties" in schema or "patternProperties" in schema
            hit = (schema, _declared(schema, resolver), own)
            self._fields[id(schema)] = hit
        return hit[1], hit[2]

    def items(self, schema: Any, resolver: Any) -> tuple[Any, Any] | None:
        hit = self._items.get(id(schema))
        if hit is None or hit[0] is not schema:
            hit = (schema, _items(schema, resolver))
            self._items[id(schema)] = hit
        return hit[1]


def undeclared(
    schema: Any, instance: Any, resolver: Any, path: Path = (), cache: Declared | None = None
) -> Iterator[Path]:
    """Paths of the fields the schema does not declare anywhere, at any depth."""
    yield from _undeclared([(schema, resolver)], instance, path, cache or Declared())


def _undeclared(
    subs: list[tuple[Any, Any]], instance: Any, path: Path, cache: Declared
) -> Iterator[Path]:
    """A value judged by every subschema that applies to it at once: a field one branch
    declares (``then: {properties: {audio: ...}}``) is declared, even where the field's main
    declaration lists the others (each judged alone, every branch would flag the rest)."""
    if isinstance(instance, list):
        items = [hit for sub, r in subs if (hit := cache.items(sub, r)) is not None]
        if items:
            for index, item in enumerate(instance):
                yield from _undeclared(items, item, (*path, index), cache)
        return
    if not isinstance(instance, dict):
        return
    merged: dict[str, list[tuple[Any, Any]]] = {}
    open_ = False
    for sub, sub_resolver in subs:
        if not isinstance(sub, dict):
            continue
        declared, own = cache.fields(sub, sub_resolver)
        open_ = open_ or own
        for name, found in declared.items():
            merged.setdefault(name, []).extend(found)
    if merged and not open_:
        yield from ((*path, name) for name in instance if name not in merged)
    for name, found in merged.items():
        if name in instance:
            yield from _undeclared(found, instance[name], (*path, name), cache)


def _at(instance: Any, path: Path) -> Any:
    for part in path:
        instance = instance[part]
    return instance


def _nodes(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """``value`` and everything inside it, with paths (depth is bounded by the text guard)."""
    stack = [(path, value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))


def unknown_field_errors(
    instance: Any, paths: Iterator[Path], *, max_chars: int, max_fields: int
) -> Iterator[ValidationError]:
    """Lenient mode: undeclared fields are kept, within the count and string caps."""
    count = 0
    for path in paths:
        for inner, value in _nodes(_at(instance, path), path):
            count += 1
            if count > max_fields:
                yield ValidationError(
                    f"too many fields the schema does not declare (at most {max_fields} per "
                    "request, counting what they hold)",
                    path=inner,
                )
                return
            if isinstance(value, str) and len(value) > max_chars:
                yield too_long(max_chars, inner)


def strict_unknown_errors(paths: Iterator[Path]) -> Iterator[ValidationError]:
    for path in paths:
        error = ValidationError(f"{field_path(path)}: unknown field (strict mode)", path=path)
        error.verbatim = True  # type: ignore[attr-defined]
        yield error


def huge_number_errors(instance: Any) -> Iterator[ValidationError]:
    for path, value in _nodes(instance, ()):
        if is_huge(value):
            yield ValidationError(out_of_range(value), path=path)
