"""A request schema's rules as cases a generator can take one at a time.

Request rules are ``if``/``then`` pairs over a few facts about the body: which model it names,
whether it has a first frame, a reference video. A generator that reads them as they are
(jsonschema_rs's canonical form, under schemathesis) multiplies every pair by every other and
gives up ("outgrew_intersections") after a handful. Fixing one fact settles every rule that
asks about it, so ``split`` rewrites a root's rules, where they are too wide, as ``oneOf``
cases: one per value of an enumerated field several rules ask about (``const``, plus one for
"not given"), or two for a condition several rules share (it holds, it does not), greedily the
split whose cases are narrowest, again within each case while it is still too wide. Each case
holds the rules simplified for its facts (spec/partial.py): a rule whose condition a fact
decides becomes its ``then``, its ``else`` or nothing. The cases exclude each other, and a
body meets exactly one of them when it meets the rules.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mock_server.spec.partial import (
    ABSENT,
    NOTES,
    Fact,
    FieldIs,
    Holds,
    decided,
    given,
    holds,
    key_of,
    own,
)

RULES = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else")
MIN_RULES = 2  # a fact fewer rules ask about is not worth its cases
MAX_WIDTH = 256  # jsonschema_rs 0.60.3 took every request schema split at 64..4096; not at 20000
NOTE = (
    " In this document: the rules are written as oneOf cases ({facts}), each with the rules "
    "simplified for its facts; together the cases accept exactly the bodies the rules do."
)


def _subs(node: dict[str, Any]) -> list[Any]:
    """The subschemas of ``node`` that judge the same instance."""
    subs = [node.get(k) for k in ("not", "if", "then", "else")]
    return [s for s in subs if s is not None] + [
        v for k in ("allOf", "anyOf", "oneOf") for v in node.get(k) or []
    ]


def _asks(node: Any, name: str) -> bool:
    """Whether ``node`` (a rule on the body) names the body's field ``name`` anywhere."""
    if not isinstance(node, dict):
        return False
    if name in (node.get("properties") or {}) or name in (node.get("required") or []):
        return True
    return any(_asks(s, name) for s in _subs(node))


def _conditions(node: Any) -> dict[str, Any]:
    """The conditions in ``node``'s rules (subschemas without rules of their own), by key."""
    if not isinstance(node, dict):
        return {}
    subs = _subs(node)
    if not subs:
        return {} if decided(node) is True else {key_of(node): node}
    return {k: v for s in subs for k, v in _conditions(s).items()}


def _width(node: Any) -> int:
    """About how many alternatives a generator weighs for ``node`` (if/then counts both ways)."""
    if not isinstance(node, dict):
        return 1
    width = 1
    for item in node.get("allOf") or []:
        width *= _width(item)
    for key in ("anyOf", "oneOf"):
        if key in node:
            width *= sum(_width(item) for item in node[key])
    if "not" in node:
        width *= _negated(node["not"])
    if "if" in node:
        cond = node["if"]
        then, other = node.get("then"), node.get("else")
        width *= _width(cond) * _width(then) + _negated(cond) * _width(other)
    return width


def _negated(node: Any) -> int:
    """About how many alternatives the negation of ``node`` has."""
    if not isinstance(node, dict):
        return 1
    keywords = [k for k in node if k not in RULES and k not in NOTES and not k.startswith("x-")]
    width = max(1, sum(len(node[k]) if k in ("properties", "required") else 1 for k in keywords))
    for item in node.get("allOf") or []:
        width += _negated(item)
    for key in ("anyOf", "oneOf"):
        for item in node.get(key) or []:
            width *= _negated(item)
    if "not" in node:
        width += _width(node["not"]) - 1
    return width


def _rules(node: Any) -> list[Any]:
    if not isinstance(node, dict):
        return []
    return node["allOf"] if set(node) == {"allOf"} else [node]


def _values(prop: dict[str, Any]) -> list[Any]:
    """The values a field may take, where it lists them (itself, or a branch beside null)."""
    branches = [prop, *(b for b in prop.get("anyOf", []) if isinstance(b, dict))]
    listed = [v for b in branches for v in (b.get("enum") or [])]
    return [v for v in listed if v is not None and holds(prop, v) is not False]


Split = tuple[str, list[tuple[Any, Fact]]]  # what the cases fix; (head, fact) per case


def _by_field(root: dict[str, Any], name: str) -> Split:
    """One case per value of the field, and one where it is not given (or null)."""
    out: list[tuple[Any, Fact]] = [
        ({"properties": {name: {"const": v}}, "required": [name]}, FieldIs(name, v))
        for v in _values(root["properties"][name])
    ]
    if name not in root.get("required", []):
        out.append(({"properties": {name: {"type": "null"}}}, FieldIs(name, ABSENT)))
    return f"one per value of {name}, and one where it is not given", out


def _by_condition(condition: dict[str, Any]) -> Split:
    """Two cases: the condition holds, or it does not."""
    key = key_of(condition)
    keywords = frozenset(own(condition))
    cases: list[tuple[Any, Fact]] = [
        (condition, Holds(key, True, keywords)),
        ({"not": condition}, Holds(key, False, keywords)),
    ]
    fields = sorted({*(condition.get("properties") or {}), *(condition.get("required") or [])})
    return f"a condition on {', '.join(fields) or 'the body'}: one where it holds, one not", cases


def _splits(root: dict[str, Any], rules: Any) -> list[Split]:
    """Every split worth trying: by a field or a condition that ``MIN_RULES`` rules ask about."""
    counts: Counter[str] = Counter()
    found: dict[str, Any] = {}
    for rule in _rules(rules):
        conditions = _conditions(rule)
        counts.update(conditions.keys())
        found.update(conditions)
    out = [_by_condition(found[k]) for k, n in counts.items() if n >= MIN_RULES]
    for name, prop in (root.get("properties") or {}).items():
        asked = sum(_asks(rule, name) for rule in _rules(rules))
        if asked >= MIN_RULES and isinstance(prop, dict) and _values(prop):
            out.append(_by_field(root, name))
    return out


def _heads_width(heads: list[Any]) -> int:
    width = 1
    for head in heads:
        width *= _width(head)
    return width


def _narrowed(
    root: dict[str, Any], heads: list[Any], rules: Any, facts: list[str]
) -> list[list[Any]]:
    """``rules`` under ``heads`` as alternatives (heads, then the rules left) no wider than
    ``MAX_WIDTH`` where a split helps: greedily, the split whose cases are narrowest in sum."""
    whole = [*heads, *([] if rules is True else _rules(rules))]
    width = _heads_width(heads) * _width(rules)
    if width <= MAX_WIDTH:
        return [whole]
    best: tuple[int, str, list[tuple[list[Any], Any]]] | None = None
    for label, cases in _splits(root, rules):
        parts = [([*heads, head], given(rules, fact)) for head, fact in cases]
        parts = [(h, r) for h, r in parts if r is not False]
        cost = sum(_heads_width(h) * _width(r) for h, r in parts)
        if best is None or cost < best[0]:
            best = (cost, label, parts)
    if best is None or best[0] >= width:
        return [whole]
    facts.append(best[1])
    return [alt for h, r in best[2] for alt in _narrowed(root, h, r, facts)]


def _case(parts: list[Any]) -> dict[str, Any]:
    """One case: the fields it fixes as its own ``properties``/``required``, the rest ``allOf``."""
    case: dict[str, Any] = {}
    rest = []
    for part in parts:
        fixed = part.get("properties", {}) if set(part) <= {"properties", "required"} else None
        if fixed is not None and not set(fixed) & set(case.get("properties", {})):
            case.setdefault("properties", {}).update(fixed)
            case["required"] = [*case.get("required", []), *part.get("required", [])]
        else:
            rest.append(part)
    if not case.get("required"):
        case.pop("required", None)
    if rest:
        case["allOf"] = rest
    return case


def split(root: dict[str, Any]) -> bool:
    """Rewrite, in place, ``root``'s rules as cases (see the module docstring); False where
    they need none."""
    rules = {k: root[k] for k in RULES if k in root}
    facts: list[str] = []
    cases = [_case(parts) for parts in _narrowed(root, [], rules, facts)]
    if not facts:
        return False
    for key in rules:
        del root[key]
    root["oneOf"] = cases or [{"not": {}}]
    root["$comment"] = root.get("$comment", "") + NOTE.format(facts="; ".join(dict.fromkeys(facts)))
    return True
