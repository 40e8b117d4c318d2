"""Turn a jsonschema error into one Kling message that names the field and the rule.

Collect all errors, choose the most relevant one (as jsonschema's ``best_match`` does, but
stopping at subschemas that carry their own ``x-kling-message``), then locate it by path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import relevance

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def field_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _v(error: ValidationError) -> Any:
    """The keyword's value in the schema (typed loosely by jsonschema's stubs)."""
    return error.validator_value


def _schema_dict(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _key(error: ValidationError) -> tuple[Any, ...]:
    """Higher is better: a code override (unknown model) first, then the shallowest instance
    path; among errors on the same field, the one from the field's own declaration rather
    than from a conditional branch (so "turbo" is "not one of" before "4k needs v3")."""
    return (
        "x-kling-code" in _schema_dict(error),
        -len(error.path),
        -len(error.absolute_schema_path),
        relevance(error),
    )


def choose(errors: Sequence[ValidationError]) -> ValidationError:
    # Arithmetic rules (x-kling-rule) judge otherwise valid input: report them only when
    # nothing else is wrong, so a bad item is named rather than the sum it spoils.
    plain = [e for e in errors if e.validator != "x-kling-rule"]
    best = max(plain or errors, key=_key)
    while best.context and "x-kling-message" not in _schema_dict(best):
        best = min(best.context, key=relevance)
    return best


def _values(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


def _type(e: ValidationError) -> str:
    names = _v(e) if isinstance(_v(e), list) else [_v(e)]
    return "must be " + " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


_RULES: dict[str, Callable[[ValidationError], str]] = {
    "type": _type,
    "enum": lambda e: f"must be one of {_values(_v(e))}",
    "const": lambda e: f"must be {json.dumps(_v(e), ensure_ascii=False)}",
    "minimum": lambda e: f"must be >= {_v(e)}",
    "maximum": lambda e: f"must be <= {_v(e)}",
    "exclusiveMinimum": lambda e: f"must be > {_v(e)}",
    "exclusiveMaximum": lambda e: f"must be < {_v(e)}",
    "multipleOf": lambda e: f"must be a multiple of {_v(e)}",
    "minLength": lambda e: f"must be at least {_v(e)} characters",
    "maxLength": lambda e: f"must be at most {_v(e)} characters",
    "minItems": lambda e: f"must have at least {_v(e)} items",
    "maxItems": lambda e: f"must have at most {_v(e)} items",
    "uniqueItems": lambda e: "items must be unique",
    "pattern": lambda e: f"must match {_v(e)}",
    "minProperties": lambda e: f"must have at least {_v(e)} fields",
    "oneOf": lambda e: "must match exactly one of the allowed forms",
    "anyOf": lambda e: "must match one of the allowed forms",
    "not": lambda e: "is not allowed here",
    "false": lambda e: "is not allowed",
}


def _missing(error: ValidationError) -> list[str]:
    """For required / dependentRequired: the missing names, with the path that owns them."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    value = _v(error)
    if error.validator == "dependentRequired" and isinstance(value, dict):
        names = [n for deps in value.values() for n in deps]
    else:
        names = list(value) if isinstance(value, list) else []
    return [n for n in names if n not in instance]


def describe(error: ValidationError) -> str:
    """The client-facing message for one chosen error."""
    schema = _schema_dict(error)
    if getattr(error, "verbatim", False):
        return error.message
    if "x-kling-message" in schema:
        value = json.dumps(error.instance, ensure_ascii=False)[:200]
        return str(schema["x-kling-message"]).replace("{value}", value)
    path = list(error.absolute_path)
    if error.validator in ("required", "dependentRequired"):
        missing = _missing(error) or ["?"]
        where = field_path([*path, missing[0]])
        if error.validator == "dependentRequired":
            trigger = next((k for k, deps in _v(error).items() if missing[0] in deps), "?")
            return f"{where}: is required when {field_path([*path, trigger])} is given"
        return f"{where}: is required"
    if error.validator == "additionalProperties" or error.validator == "x-kling-unknown":
        return error.message
    rule = _RULES.get(str(error.validator))
    text = rule(error) if rule else error.message
    where = field_path(path)
    return f"{where}: {text}" if where else text


def code_of(error: ValidationError, default: int = 1201) -> int:
    return int(_schema_dict(error).get("x-kling-code", default))
