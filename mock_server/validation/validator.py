"""One validator class per mode, built by extending Draft 2020-12 with the x-kling keywords.

Compiled once per endpoint at start-up; ``validate`` raises ``KlingError(1201 or the
schema's x-kling-code)`` with one message that names the field. A valid body is recognised by
the compiled check of fast.py; jsonschema runs only when that one finds something wrong, to
choose and word the error (and to judge what jsonschema-rs cannot read). Validation is pure
(it reads the instance and the schemas only), so it may run in a worker thread.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry

from mock_server.errors import KlingError
from mock_server.settings import Settings
from mock_server.spec.registry import Registry as OperationRegistry
from mock_server.validation.caps import (
    Declared,
    huge_number_errors,
    strict_unknown_errors,
    string_cap,
    too_long,
    undeclared,
    unknown_field_errors,
)
from mock_server.validation.catalogs import catalog_keys
from mock_server.validation.coercion import Coercer
from mock_server.validation.fast import FastValidators, IsValid
from mock_server.validation.images import ImageProblem, check_image, is_url
from mock_server.validation.messages import choose, code_of, describe
from mock_server.validation.numbers import HugeNumber
from mock_server.validation.pruning import Subschemas, pruned_keywords
from mock_server.validation.refs import resolve
from mock_server.validation.rules import RULES

Schema = dict[str, Any]
Keyword = Callable[[Any, Any, Any, Schema], Iterator[ValidationError]]
DEFAULT_MAX_STRING_CHARS: int = Settings.max_string_chars
DEFAULT_MAX_UNKNOWN_FIELDS: int = Settings.max_unknown_fields


def _image(max_chars: int) -> Keyword:
    """x-kling-image: Base64 is bounded by its decoded size, a URL by --max-string-chars."""

    def image(
        validator: Any, spec: Any, instance: Any, schema: Schema
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, str):
            return
        if is_url(instance):
            if len(instance) > max_chars:
                yield too_long(max_chars)
            return
        try:
            check_image(instance, spec)
        except ImageProblem as problem:
            error = ValidationError(str(problem))
            error.verbatim = problem.verbatim  # type: ignore[attr-defined]
            yield error

    return image


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


def _catalog(validator: Any, spec: Any, instance: Any, schema: Schema) -> Iterator[ValidationError]:
    """x-kling-catalog: the string is the ``key`` of an item of a fixtures catalogue."""
    if isinstance(instance, str) and instance not in catalog_keys(spec["file"], spec["key"]):
        yield ValidationError(f"{instance!r} is not in {spec['file']}")


def _strict_off(
    validator: Any, sub: Any, instance: Any, schema: Schema
) -> Iterator[ValidationError]:
    return iter(())


_BASE_TYPES = Draft202012Validator.TYPE_CHECKER


def _integer(checker: Any, instance: Any) -> bool:
    """1e400 is an integer too, only beyond every bound (see numbers.HugeNumber)."""
    return _BASE_TYPES.is_type(instance, "integer") or isinstance(instance, HugeNumber)


_TYPES = _BASE_TYPES.redefine("integer", _integer)


def validator_class(
    *, strict: bool, max_chars: int, live: bool = False, prune: Subschemas | None = None
) -> Any:
    """Draft 2020-12 plus the x-kling keywords and the generic string cap (caps.py); with
    ``prune``, the error walk skips what jsonschema-rs judges valid (pruning.py)."""
    keywords = {
        **(pruned_keywords(prune) if prune is not None else {}),
        "type": string_cap(max_chars),
        "x-kling-image": _image(max_chars),
        "x-kling-rule": _rule,
        "x-kling-strict": _strict_on if strict else _strict_off,
        "x-kling-live": _strict_on if live else _strict_off,  # same switch, --errors live
        "x-kling-catalog": _catalog,
    }
    return validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, keywords, type_checker=_TYPES
    )


def compile_validators(
    registry: OperationRegistry,
    *,
    strict: bool,
    live: bool = False,
    max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
    max_unknown_fields: int = DEFAULT_MAX_UNKNOWN_FIELDS,
    prune_errors: bool = True,
) -> dict[str, RequestValidator]:
    """One validator per operation that takes input, keyed by op_id (built once, at start-up).
    ``prune_errors=False`` walks every subschema for errors (tests compare the two).

    Validators read only the schemas and the mode, so apps built from the same spec in the
    same mode share them (a test suite builds thousands of apps; a server builds one)."""
    key = (id(registry.spec), strict, live, max_string_chars, max_unknown_fields, prune_errors)
    hit = _COMPILED.get(key)
    if hit is None or hit[0] is not registry.spec:
        built = _compile(
            registry, strict, live, max_string_chars, max_unknown_fields, prune_errors
        )
        hit = _COMPILED[key] = (registry.spec, built)
    return dict(hit[1])


# (id(spec), mode...) -> (spec, validators); the spec is kept so its id cannot be reused.
_Key = tuple[int, bool, bool, int, int, bool]
_COMPILED: dict[_Key, tuple[Any, dict[str, RequestValidator]]] = {}


def _compile(
    registry: OperationRegistry,
    strict: bool,
    live: bool,
    max_string_chars: int,
    max_unknown_fields: int,
    prune_errors: bool,
) -> dict[str, RequestValidator]:
    spec = registry.spec
    fast = FastValidators(
        spec.registry,
        [spec.uri(rel) for rel in spec.schemas],
        strict=strict,
        live=live,
        max_chars=max_string_chars,
    )
    prune = fast.subschemas() if prune_errors else None
    cls = validator_class(strict=strict, max_chars=max_string_chars, live=live, prune=prune)
    out = {}
    for op in registry:
        schema = registry.input_schema(op)
        if schema is not None:
            out[op.op_id] = RequestValidator(
                schema,
                spec.registry,
                strict=strict,
                max_string_chars=max_string_chars,
                max_unknown_fields=max_unknown_fields,
                cls=cls,
                is_valid=fast.compile(op.op_id, schema),
            )
    return out


class RequestValidator:
    """Validates one endpoint's request bodies (or query objects)."""

    def __init__(
        self,
        schema: Schema,
        registry: Registry,
        *,
        strict: bool = False,
        max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
        max_unknown_fields: int = DEFAULT_MAX_UNKNOWN_FIELDS,
        cls: Any = None,
        is_valid: IsValid | None = None,
    ) -> None:
        cls = cls or validator_class(strict=strict, max_chars=max_string_chars)
        self._validator = cls(schema, registry=registry)
        self._schema = schema
        self._strict = strict
        self._max_chars = max_string_chars
        self._max_unknown = max_unknown_fields
        self._resolver = registry.resolver(base_uri=str(schema.get("$id", "")))
        self.defaults = _defaults(schema, self._resolver)
        self.nested = _nested_defaults(schema, self._resolver)
        self.is_valid = is_valid  # fast.py: trusted only when it says valid
        self._declared = Declared()  # fills on first use; the same answers every time
        self._coerce = Coercer()

    def prepare(self, instance: Any) -> Any:
        """The instance as the service reads it: scalars coerced, unless strict."""
        if self._strict:
            return instance
        return self._coerce(instance, self._schema, self._resolver)

    def errors(self, instance: Any) -> list[ValidationError]:
        return self._errors(self.prepare(instance))

    def _errors(self, prepared: Any) -> list[ValidationError]:
        """The schema's errors; only if there are none, the generic limits' (caps.py)."""
        errors = list(self._validator.iter_errors(prepared))
        return errors + self._limit_errors(prepared, schema_ok=not errors)

    def _limit_errors(self, prepared: Any, *, schema_ok: bool) -> list[ValidationError]:
        """Unknown fields (strict: all; lenient: beyond the caps), then huge numbers."""
        errors: list[ValidationError] = []
        unknown = undeclared(self._schema, prepared, self._resolver, cache=self._declared)
        if self._strict:
            errors += strict_unknown_errors(unknown)
        if errors or not schema_ok:
            return errors
        if not self._strict:
            errors += unknown_field_errors(
                prepared, unknown, max_chars=self._max_chars, max_fields=self._max_unknown
            )
        return errors or list(huge_number_errors(prepared))

    def validate(self, instance: Any) -> Any:
        """The prepared instance, or KlingError with the one message that names the field."""
        prepared = self.prepare(instance)
        fast_ok = self.is_valid is not None and self.is_valid(prepared)
        if fast_ok and not self._limit_errors(prepared, schema_ok=True):
            return prepared
        errors = self._errors(prepared)
        if errors:
            error = choose(errors)
            raise KlingError(code_of(error), describe(error))
        return prepared

    def with_defaults(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body as the service sees it: documented defaults filled in at the top level and
        one level down, inside objects such as the model-path design's ``settings``."""
        out = {**self.defaults, **body}
        for name, defaults in self.nested.items():
            value = out.get(name)
            if isinstance(value, dict):
                out[name] = {**defaults, **value}
        return out


def _properties(schema: Any, resolver: Any) -> Iterator[tuple[str, Any, Any]]:
    """(name, subschema, its resolver) of every property the schema declares directly or
    through ``$ref`` and ``allOf`` (where shared pieces are narrowed per model)."""
    schema, resolver = resolve(schema, resolver)
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        yield name, sub, resolver
    for sub in schema.get("allOf") or []:
        yield from _properties(sub, resolver)


def _default_of(sub: Any, resolver: Any) -> tuple[bool, Any]:
    while isinstance(sub, dict):
        if "default" in sub:
            return True, sub["default"]
        for part in sub.get("allOf") or []:
            found, value = _default_of(part, resolver)
            if found:
                return True, value
        if "$ref" not in sub:
            break
        sub, resolver = resolve({"$ref": sub["$ref"]}, resolver)
    return False, None


def _defaults(schema: Schema, resolver: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sub, sub_resolver in _properties(schema, resolver):
        found, value = _default_of(sub, sub_resolver)
        if found and name not in out:
            out[name] = copy.deepcopy(value)
    return out


def _nested_defaults(schema: Schema, resolver: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, sub, sub_resolver in _properties(schema, resolver):
        inner = _defaults(sub, sub_resolver)
        if inner:
            out[name] = {**inner, **out.get(name, {})}
    return out
