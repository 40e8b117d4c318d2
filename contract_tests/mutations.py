"""The mutation sweep: invalid bodies made deterministically, each with an expected answer that
does not come from the fake's validator.

Two sources, both independent of the code under test:
- *schema keywords*: start from a recorded valid body (one that already holds the field, so
  the field's conditional rules are met, else the minimal one) and break one declared keyword
  of one top-level field (wrong type, out of range, over length, bad enum, missing required,
  ``data:`` image). The keyword says the answer: 1201 naming the field, or the field's own
  ``x-kling-code`` (an unknown ``model_name`` is 1203); a ``data:`` URI for an image gets
  Kling's verbatim ``File is not in a valid base64 format``; a body that is not a JSON object
  gets 1200.
- *recorded examples*: every invalid body in ``fixtures/examples/<endpoint>.json`` with the
  code, field (and where recorded, the exact message) written beside it.

A fake whose validator stops enforcing a rule (a schema edit or a code fault) is caught on
every run, even where the fake's validator, as an oracle, would share the fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from contract_tests.oracle import Expectation, Source
from mock_server.examples import load
from mock_server.spec.registry import Registry
from mock_server.validation.images import BASE64_MESSAGE
from mock_server.validation.refs import resolve

# A "type" mutation sends a structure: scalars would be coerced to the declared type, as the
# service does (see mock_server/validation/coercion.py), so they would not break the rule.
STRUCTURES = {"object": {"k": "v"}, "array": [1]}
NOT_JSON = b'{"prompt": "cut short'
S: Source = "schema"  # Expectation.source of the keyword mutations


@dataclass(frozen=True)
class Mutation:
    name: str  # e.g. "duration: enum", or "example: <recorded name>"
    body: Any
    expected: Expectation


def _broken_values(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    types = schema.get("type")
    types = types if isinstance(types, list) else [types] if types else []
    for name, value in STRUCTURES.items():
        if types and name not in types:
            yield "type", value
            break
    if "enum" in schema:
        yield "enum", "not-an-allowed-value" if "string" in types or not types else 987654
    if "const" in schema:
        yield "const", "not-the-constant"
    if "maximum" in schema:
        yield "maximum", schema["maximum"] + 1
    if "minimum" in schema:
        yield "minimum", schema["minimum"] - 1
    if "maxLength" in schema:
        yield "maxLength", "x" * (int(schema["maxLength"]) + 1)
    if schema.get("minLength", 0) > 0:
        yield "minLength", ""
    if "maxItems" in schema and isinstance(schema.get("items"), dict):
        yield "maxItems", [None] * (int(schema["maxItems"]) + 1)
    if schema.get("minItems", 0) > 0:
        yield "minItems", []
    if "x-kling-image" in schema:
        yield "x-kling-image", "data:image/png;base64,AAAA"


def _expected(name: str, keyword: str, schema: dict[str, Any]) -> Expectation:
    """What breaking ``keyword`` of field ``name`` must get, from the schema alone."""
    if keyword == "x-kling-image":
        return Expectation(1201, name, keyword, BASE64_MESSAGE, verbatim=True, source=S)
    code = 1201 if keyword == "required" else int(schema.get("x-kling-code", 1201))
    return Expectation(code, name, keyword, f"{name} breaks its {keyword}", source=S)


def _bases(endpoint: str, minimal: dict[str, Any]) -> list[dict[str, Any]]:
    """Recorded valid bodies, minimal first (those for another ``--errors`` mode left out)."""
    return [minimal, *(c.body for c in load(endpoint, "valid") if "errors" not in c.extra)]


def mutations(registry: Registry, endpoint: str, base: dict[str, Any]) -> list[Mutation]:
    ep = registry.endpoints[endpoint]
    if not ep.request:
        return []
    schema = registry.spec.schema(ep.request)
    resolver = registry.spec.registry.resolver(base_uri=str(schema.get("$id", "")))
    schema, resolver = resolve(schema, resolver)  # a request schema may be a bare $ref
    bases = _bases(endpoint, base)
    out = [
        Mutation("body: type", [base], Expectation(1200, "", "type", "not an object", source=S)),
        Mutation("body: json", NOT_JSON, Expectation(1200, "", "type", "not JSON", source=S)),
    ]
    for name, sub in (schema.get("properties") or {}).items():
        resolved, _ = resolve(sub, resolver)
        if not isinstance(resolved, dict):
            continue
        holder = next((b for b in bases if name in b), base)
        for keyword, value in _broken_values(resolved):
            expected = _expected(name, keyword, resolved)
            out.append(Mutation(f"{name}: {keyword}", {**holder, name: value}, expected))
    for name in schema.get("required", []):
        if name in base:
            body = {k: v for k, v in base.items() if k != name}
            out.append(Mutation(f"{name}: required", body, _expected(name, "required", {})))
    return out


def recorded(endpoint: str, *, strict: bool = False) -> list[Mutation]:
    """The endpoint's recorded invalid examples (and strict-only ones when ``strict``), each
    with its recorded code and field; those recorded for another ``--errors`` mode left out."""
    groups = ["invalid", "strict_invalid"] if strict else ["invalid"]
    out = []
    for case in (c for group in groups for c in load(endpoint, group)):
        if "errors" in case.extra:
            continue
        message = case.extra.get("message")
        expected = Expectation(
            case.code,
            case.field,
            "",
            str(message or case.name),
            verbatim=message is not None,
            source="example",
        )
        out.append(Mutation(f"example: {case.name}", case.body, expected))
    return out
