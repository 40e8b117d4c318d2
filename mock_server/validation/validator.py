"""One validator class per mode, built by extending Draft 2020-12 with the x-kling keywords.

Compiled once per endpoint at start-up; ``validate`` raises ``KlingError(1201 or the
schema's x-kling-code)`` with one message that names the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry

from mock_server.errors import KlingError
from mock_server.spec.registry import Registry as OperationRegistry
from mock_server.validation.coercion import coerce
from mock_server.validation.images import ImageProblem, check_image
from mock_server.validation.messages import choose, code_of, describe, field_path
from mock_server.validation.refs import resolve
from mock_server.validation.rules import RULES

Schema = dict[str, Any]


def _image(
    validator: Any, spec: Schema, instance: Any, schema: Schema
) -> Iterator[ValidationError]:
    if not isinstance(instance, str):
        return
    try:
        check_image(instance, spec)
    except ImageProblem as problem:
        error = ValidationError(str(problem))
        error.verbatim = problem.verbatim  # type: ignore[attr-defined]
        yield error


def _rule(validator: Any, rules: Any, instance: Any, schema: Schema) -> Iterator[ValidationError]:
    """Named business rules; the message gets its absolute field path in messages.describe."""
    if not isinstance(instance, dict):
        return
    for params in rules if isinstance(rules, list) else [rules]:
        for path, message in RULES[params["rule"]](instance, params):
            yield ValidationError(message, path=path)


def _strict_on(
    validator: Any, sub: Any, instance: Any, schema: Schema
) -> Iterator[ValidationError]:
    yield from validator.descend(instance, sub)


def _strict_off(
    validator: Any, sub: Any, instance: Any, schema: Schema
) -> Iterator[ValidationError]:
    return iter(())


_COMMON = {"x-kling-image": _image, "x-kling-rule": _rule}
LenientValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {**_COMMON, "x-kling-strict": _strict_off}
)
StrictValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {**_COMMON, "x-kling-strict": _strict_on}
)
_BRANCHES = ("allOf", "anyOf", "oneOf")


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


def unknown_fields(
    schema: Any, instance: Any, resolver: Any, path: tuple[str | int, ...] = ()
) -> Iterator[ValidationError]:
    """Strict mode: fields the schema does not declare anywhere, at any depth."""
    if isinstance(instance, list):
        items = _items(schema, resolver)
        if items is not None:
            for index, item in enumerate(instance):
                yield from unknown_fields(items[0], item, items[1], (*path, index))
        return
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return
    declared = _declared(schema, resolver)
    if declared and "additionalProperties" not in schema and "patternProperties" not in schema:
        for name in instance:
            if name not in declared:
                error = ValidationError(
                    f"{field_path((*path, name))}: unknown field (strict mode)", path=(*path, name)
                )
                error.verbatim = True  # type: ignore[attr-defined]
                yield error
    for name, subs in declared.items():
        if name in instance:
            for sub, sub_resolver in subs:
                yield from unknown_fields(sub, instance[name], sub_resolver, (*path, name))


def _items(schema: Any, resolver: Any) -> tuple[Any, Any] | None:
    schema, resolver = resolve(schema, resolver)
    if not isinstance(schema, dict) or not isinstance(schema.get("items"), dict):
        return None
    return schema["items"], resolver


def compile_validators(registry: OperationRegistry, *, strict: bool) -> dict[str, RequestValidator]:
    """One validator per operation that takes input, keyed by op_id (built once, at start-up)."""
    out = {}
    for op in registry:
        schema = registry.input_schema(op)
        if schema is not None:
            out[op.op_id] = RequestValidator(schema, registry.spec.registry, strict=strict)
    return out


class RequestValidator:
    """Validates one endpoint's request bodies (or query objects)."""

    def __init__(self, schema: Schema, registry: Registry, *, strict: bool = False) -> None:
        cls = StrictValidator if strict else LenientValidator
        self._validator = cls(schema, registry=registry)
        self._schema = schema
        self._strict = strict
        self._resolver = registry.resolver(base_uri=str(schema.get("$id", "")))
        self.defaults = _top_level_defaults(schema, self._resolver)

    def prepare(self, instance: Any) -> Any:
        """The instance as the service reads it: scalars coerced, unless strict."""
        if self._strict:
            return instance
        return coerce(instance, self._schema, self._resolver)

    def errors(self, instance: Any) -> list[ValidationError]:
        instance = self.prepare(instance)
        errors = list(self._validator.iter_errors(instance))
        if self._strict:
            errors += list(unknown_fields(self._schema, instance, self._resolver))
        return errors

    def validate(self, instance: Any) -> Any:
        """The prepared instance, or KlingError with the one message that names the field."""
        errors = self.errors(instance)
        if errors:
            error = choose(errors)
            raise KlingError(code_of(error), describe(error))
        return self.prepare(instance)

    def with_defaults(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body as the service sees it: documented defaults filled in at the top level."""
        return {**self.defaults, **body}


def _top_level_defaults(schema: Schema, resolver: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict) and "$ref" in sub and "default" not in sub:
            sub, _ = resolve(sub, resolver)
        if isinstance(sub, dict) and "default" in sub:
            out[name] = sub["default"]
    return out
