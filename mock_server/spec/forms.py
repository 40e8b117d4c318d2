"""The scalars lenient mode converts (validation/coercion.py), as JSON Schema can state them.

The lenient fake reads 5 sent to a string as "5", "5" or "5.0" sent to a number as the number,
"true" sent to a boolean as true. A schema states those forms exactly where it can list them:
the other forms of an ``enum``'s values, numeric texts within non-negative whole bounds (a
``pattern`` for the range, leading zeros and all), numbers and booleans for a string nothing but
a roomy length bound checks. Elsewhere (a pattern or format, a short ``maxLength``, a negative or
fractional bound, ``multipleOf``) it cannot, and the forms are left out.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from jsonschema import Draft202012Validator

INT_TEXT = "^-?[0-9]+$"
NUM_TEXT = "^-?[0-9]+(\\.[0-9]+)?$"
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "const")
_STRING_RULES = ("pattern", "format", "const")
_MIN_TEXT_ROOM = 64  # the text of any generated number or boolean fits in this many characters
_SCALARS = ("string", "integer", "number", "boolean")


def widened(schema: dict[str, Any]) -> dict[str, Any] | None:
    """``schema`` plus the scalars lenient mode converts to it (validation/coercion.py), or None
    where the converted value could still be refused (bounds, patterns) or nothing converts."""
    declared = schema.get("type")
    listed = [schema["const"]] if "const" in schema else schema.get("enum")
    if declared in _SCALARS and isinstance(listed, list):  # exact: the listed values it takes
        extra = raw_forms([v for v in listed if _takes(schema, v)], {declared})
        if not extra:
            return None
        out = {k: v for k, v in schema.items() if k != "const"}
        out["type"] = sorted({declared} | {_json_type(v) for v in extra})
        out["enum"] = [*listed, *extra]
        return out
    if declared == "string" and not any(k in schema for k in _STRING_RULES):
        if schema.get("maxLength", _MIN_TEXT_ROOM) < _MIN_TEXT_ROOM:
            return None
        if schema.get("minLength", 0) > 1:
            return None
        return {**schema, "type": ["string", "number", "boolean"]}
    if declared in ("integer", "number"):
        pattern = range_text(schema, whole=declared == "integer")
        return (
            None
            if pattern is None
            else {**schema, "type": [declared, "string"], "pattern": pattern}
        )
    if declared == "boolean":
        return {**schema, "type": ["boolean", "string"], "enum": [True, False, "true", "false"]}
    return None


def range_text(schema: dict[str, Any], *, whole: bool) -> str | None:
    """A pattern for the texts lenient mode reads as a number ``schema``'s bounds accept
    (leading zeros and all, as coercion.py parses them); None for bounds it cannot state:
    a negative or fractional bound, ``multipleOf``."""
    if "multipleOf" in schema or "const" in schema:
        return None
    low, high = schema.get("minimum"), schema.get("maximum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1 if whole else None
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - 1 if whole else None
    if not whole and ("exclusiveMinimum" in schema or "exclusiveMaximum" in schema):
        return None
    if low is None and high is None:
        return INT_TEXT if whole else NUM_TEXT
    if low is None or low < 0 or any(b is not None and b != int(b) for b in (low, high)):
        return None
    low, high = int(low), None if high is None else int(high)
    if high is not None and high < low:
        return None
    if whole:
        return f"^0*({'|'.join(_digits(low, high))})$"
    fraction = "(\\.[0-9]+)?"
    below = _digits(low, None if high is None else high - 1)
    top = [] if high is None else [f"{high}(\\.0+)?"]
    return f"^0*({'|'.join([*(f'({d}){fraction}' for d in below), *top])})$"


def _digits(low: int, high: int | None) -> list[str]:
    """Patterns for the decimal texts (no leading zeros) of the integers low..high (None: no
    upper bound), one or more per length."""
    out: list[str] = []
    for length in itertools.count(len(str(low))):
        if high is not None and length > len(str(high)):
            return out
        first = max(low, 10 ** (length - 1) if length > 1 else 0)
        if high is None and length > 1 and first == 10 ** (length - 1):
            return [*out, f"[1-9][0-9]{{{length - 1},}}"]  # this length and every longer one
        last = 10**length - 1 if high is None else min(high, 10**length - 1)
        out += _same_length(str(first), str(last))
    return out


def _same_length(low: str, high: str) -> list[str]:
    """Patterns for the texts from ``low`` to ``high``, both of one length."""
    if low == high:
        return [low]
    rest = len(low) - 1
    if rest == 0:
        return [f"[{low}-{high}]"]
    if low[0] == high[0]:
        return [low[0] + p for p in _same_length(low[1:], high[1:])]
    if low[1:] == "0" * rest and high[1:] == "9" * rest:
        return [f"[{low[0]}-{high[0]}][0-9]{{{rest}}}"]
    out = [low[0] + p for p in _same_length(low[1:], "9" * rest)]
    if int(high[0]) - int(low[0]) > 1:
        out.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}][0-9]{{{rest}}}")
    return out + [high[0] + p for p in _same_length("0" * rest, high[1:])]


def _takes(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``schema`` (no ``$ref``) accepts ``value``."""
    return bool(Draft202012Validator(schema).is_valid(value))


def raw_forms(values: list[Any], types: set[str]) -> list[Any]:
    """The other scalars lenient mode converts to one of ``values`` (declared ``types``)."""
    if types == {"string"}:
        numbers = [_number(v) for v in values if isinstance(v, str)]
        return [n for n in numbers if n is not None] + [
            v == "true" for v in values if v in ("true", "false")
        ]
    if types in ({"integer"}, {"number"}):
        return [str(v) for v in values if not isinstance(v, bool) and _number(str(v)) == v]
    if types == {"boolean"}:
        return [str(v).lower() for v in values if isinstance(v, bool)]
    return []


def _number(text: str) -> int | float | None:
    """The number lenient mode reads from ``text`` where it converts back to the same text."""
    if re.fullmatch(INT_TEXT, text):
        return int(text)
    if re.fullmatch(NUM_TEXT, text) and str(float(text)) == text:
        return float(text)
    return None


def types_of(schema: Any) -> set[str]:
    """The types ``schema`` declares."""
    declared = schema.get("type") if isinstance(schema, dict) else None
    return set(declared) if isinstance(declared, list) else {declared} if declared else set()


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    return (
        "boolean" if isinstance(value, bool) else "integer" if isinstance(value, int) else "number"
    )


def converted(rule: dict[str, Any], types: set[str]) -> dict[str, Any]:
    """A narrowing as it judges what the fake converts: the raw forms of its listed values;
    the texts of a number within its bounds; and where it could refuse the text of a number
    or boolean sent to a string (a pattern, a short maxLength), strings only."""
    values = [rule["const"]] if "const" in rule else rule.get("enum")
    if isinstance(values, list):
        extra = raw_forms(values, types)
        if not extra:
            return rule
        out = {k: v for k, v in rule.items() if k not in ("const", "type")}
        return {**out, "enum": [*values, *extra]}
    if "type" in rule:
        return rule
    if types == {"string"} and _judges_text(rule):
        return {**rule, "type": "string"}
    if types in ({"integer"}, {"number"}) and any(k in rule for k in BOUNDS):
        pattern = None if "pattern" in rule else range_text(rule, whole=types == {"integer"})
        return {**rule, "pattern": pattern} if pattern else {**rule, "type": sorted(types)}
    return rule


def _judges_text(rule: dict[str, Any]) -> bool:
    """Whether a string narrowing could refuse the text of a number or boolean."""
    return (
        any(k in rule for k in ("pattern", "format"))
        or rule.get("maxLength", _MIN_TEXT_ROOM) < _MIN_TEXT_ROOM
        or rule.get("minLength", 0) > 1
    )
