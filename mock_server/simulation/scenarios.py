"""Scenario files: read one, check it, and say where it is wrong in one line.

A scenario is ``{"name"?, "description"?, "rules": [...]}`` (``schemas/config/scenario.json``).
Three places take one: ``--scenario FILE`` at start-up, the named scenarios shipped in
``fixtures/scenarios/`` (by name: ``X-Kling-Mock-Scenario`` and the control API) and
``POST /__mock/rules``. All are checked the same way: the schema first, then what a schema
cannot say (a Kling error code, a known endpoint or family, ``min <= max``, one answer per
rule, unique ids). A problem in a file reads ``FILE:LINE: FIELD: MESSAGE``; the line of a JSON
value is found by a small walk over the text that notes where each value starts, since
``json`` keeps no positions.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match, by_relevance

from mock_server.errors import error_table
from mock_server.paths import FIXTURES_DIR, SCHEMAS_DIR
from mock_server.simulation.rules import Rule, RuleSet

if TYPE_CHECKING:
    from mock_server.settings import Settings
    from mock_server.spec.registry import Registry

HEADER = "X-Kling-Mock-Scenario"
NAMED_DIR = FIXTURES_DIR / "scenarios"
ANSWERS = ("error", "drop_connection", "malformed_body")  # one answer per request
UNKNOWN_KEY = frozenset({"additionalProperties"})
KINDS = {"effect": "effect", "match": "match key", "when": "condition"}  # unknown-key wording
JsonPath = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A scenario that cannot be used: ``FILE:LINE: FIELD: MESSAGE`` (no file for the
    control API)."""


class UnknownScenario(ScenarioError):
    """A name that is not one of the named scenarios."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    rules: tuple[dict[str, Any], ...]

    @property
    def summary(self) -> str:
        """The description's first sentence."""
        return re.split(r"(?<=\.)\s", self.description, maxsplit=1)[0]


@dataclass(frozen=True)
class Known:
    """The names a rule may use, from the manifest (checked once a registry is at hand)."""

    endpoints: frozenset[str]
    families: frozenset[str]

    @classmethod
    def of(cls, registry: Registry) -> Known:
        eps = registry.endpoints.values()
        return cls(frozenset(ep.id for ep in eps), frozenset(ep.family for ep in eps))


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads((SCHEMAS_DIR / "config" / "scenario.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def problem(doc: Any, known: Known | None = None) -> tuple[JsonPath, str, JsonPath] | None:
    """The first problem of a scenario document: (field path, message, path of the line)."""
    # an unknown key says more than the required one it was probably meant to be
    error = best_match(_validator().iter_errors(doc), key=by_relevance(strong=UNKNOWN_KEY))
    if error is not None:
        where = tuple(error.absolute_path)
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = next(k for k in error.instance if k not in props)
            kind = KINDS.get(str(where[-1]) if where else "", "field")
            known_keys = ", ".join(sorted(props))
            return where, f"unknown {kind} {extra!r} (known: {known_keys})", (*where, extra)
        return where, error.message, where
    for i, rule in enumerate(doc["rules"]):
        for path, message in _rule_problems(rule, doc["rules"][:i], known):
            return ("rules", i, *path), message, ("rules", i, *path)
    return None


def _rule_problems(
    rule: dict[str, Any], before: list[dict[str, Any]], known: Known | None
) -> list[tuple[JsonPath, str]]:
    found: list[tuple[JsonPath, str]] = []
    earlier = [r.get("id") for r in before]
    if rule.get("id") is not None and rule["id"] in earlier:
        at = earlier.index(rule["id"])
        found.append((("id",), f"{rule['id']!r} is already the id of rules[{at}]"))
    effect, match = rule["effect"], rule.get("match", {})
    code = effect.get("error", {}).get("code")
    if code is not None and (code == 0 or code not in error_table()):
        codes = ", ".join(str(c) for c in sorted(error_table()) if c)
        found.append((("effect", "error", "code"), f"{code} is not a Kling error code ({codes})"))
    latency = effect.get("latency_ms")
    if isinstance(latency, dict) and latency["min"] > latency["max"]:
        found.append((("effect", "latency_ms"), "min must not be above max"))
    answers = [a for a in ANSWERS if a in effect]
    if len(answers) > 1:
        found.append((("effect",), f"{' and '.join(answers)} exclude one another (one answer)"))
    names = {"endpoint": known.endpoints, "family": known.families} if known else {}
    for key, allowed in names.items():
        if key in match and match[key] not in allowed:
            found.append((("match", key), _unknown(key, match[key], allowed)))
    return found


def _unknown(what: str, given: str, names: frozenset[str]) -> str:
    close = difflib.get_close_matches(given, sorted(names), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(sorted(names))
    return f"unknown {what} {given!r} ({hint})"


def parse(text: str, source: str, name: str, known: Known | None = None) -> Scenario:
    """A scenario from JSON text; ``source`` names it in errors, ``name`` is the default."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"{source}:{exc.lineno}"
        raise ScenarioError(f"{at}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    found = problem(doc, known)
    if found is not None:
        where, message, line_path = found
        raise ScenarioError(f"{source}:{line_of(text, line_path)}: {_label(where, message)}")
    return Scenario(doc.get("name", name), doc.get("description", ""), tuple(doc["rules"]))


def load(path: Path, known: Known | None = None) -> Scenario:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file: {exc.strerror}") from None
    return parse(text, str(path), Path(path).stem, known)


def check_rules(body: dict[str, Any], known: Known | None) -> list[dict[str, Any]]:
    """Rules posted to the control API: one rule, or ``{"rules": [...]}``."""
    single = "rules" not in body
    doc = {"rules": [body]} if single else body
    found = problem(doc, known)
    if found is not None:
        where, message, _ = found
        raise ScenarioError(_label(where[2:] if single else where, message))
    return list(doc["rules"])


@functools.cache
def named() -> dict[str, Scenario]:
    """The named scenarios shipped in ``fixtures/scenarios/``, by file name."""
    return {p.stem: load(p) for p in sorted(NAMED_DIR.glob("*.json"))}


def named_scenario(name: str) -> Scenario:
    try:
        return named()[name]
    except KeyError:
        raise UnknownScenario(f"unknown scenario {name!r}; known: {', '.join(named())}") from None


def header_rules(faults: RuleSet, value: str) -> list[Rule]:
    """The rules of the named scenarios an ``X-Kling-Mock-Scenario`` header asks for."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    return [r for n in names for r in faults.header_rules(n, list(named_scenario(n).rules))]


def startup_scenario(settings: Settings, registry: Registry) -> Scenario | None:
    """The ``--scenario`` file, read and checked once at start-up (a reset reuses it, so a file
    edited since cannot break a reset)."""
    if settings.scenario is None:
        return None
    return load(Path(settings.scenario), Known.of(registry))


def build_rule_set(scenario: Scenario | None, seed: int) -> RuleSet:
    """The start state: the start-up scenario's rules, no run-time rules."""
    faults = RuleSet(seed)
    if scenario is not None:
        faults.add(scenario.rules, "startup", scenario.name)
    return faults


def _label(where: Sequence[str | int], message: str) -> str:
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
    return f"{field}: {message}" if field else message


_WS = re.compile(r"[ \t\n\r]*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^ \t\n\r,:\[\]{}]+')


def line_of(text: str, path: Sequence[str | int]) -> int:
    """The line of the value at ``path`` in valid JSON ``text`` (of its key, in an object);
    the nearest enclosing value when the path does not exist."""
    spots = _spots(text)
    key = tuple(path)
    while key not in spots:
        key = key[:-1]
    return text.count("\n", 0, spots[key]) + 1


def _spots(text: str) -> dict[JsonPath, int]:
    spots: dict[JsonPath, int] = {}

    def walk(i: int, path: JsonPath, at: int | None) -> int:
        i = _ws(text, i)
        spots[path] = i if at is None else at
        opener = text[i]
        if opener not in "[{":
            return _token(text, i).end()
        i, index = _ws(text, i + 1), 0
        while text[i] not in "]}":
            if opener == "{":
                token = _token(text, i)
                i = walk(_ws(text, token.end()) + 1, (*path, json.loads(token.group())), i)
            else:
                i, index = walk(i, (*path, index), None), index + 1
            i = _ws(text, i)
            i = _ws(text, i + 1) if text[i] == "," else i
        return i + 1

    walk(0, (), None)
    return spots


def _ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]  # [ \t\n\r]* always matches


def _token(text: str, i: int) -> re.Match[str]:
    found = _TOKEN.match(text, i)
    assert found is not None, "line_of() takes valid JSON only"
    return found
