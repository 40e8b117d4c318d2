"""Named business rules (``x-kling-rule``) for what JSON Schema cannot say, e.g. arithmetic.

Each rule takes the object and its parameters from the schema and yields (path, message) pairs.
Adding a rule means adding a function here and naming it in a schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from mock_server import fieldpath

Problem = tuple[tuple[str | int, ...], str]
Rule = Callable[[dict[str, Any], dict[str, Any]], Iterator[Problem]]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _get(instance: Any, dotted: str, default: Any = None) -> Any:
    """The value at a dotted path (``settings.duration``), or ``default`` if absent."""
    return fieldpath.get(instance, dotted, default)


def _applies(instance: dict[str, Any], params: dict[str, Any]) -> bool:
    """All ``when`` conditions hold: ``{"field", "in", "default"?}``, one or a list; a field
    may be dotted."""
    when = params.get("when") or []
    conditions = when if isinstance(when, list) else [when]
    return all(_get(instance, c["field"], c.get("default")) in c["in"] for c in conditions)


SHOT_START = re.compile(r"^\s*(?:shot|镜头)\s*\d+\s*,", re.IGNORECASE)
SHOT = re.compile(r"^(?:shot|镜头)\s*(\d+)\s*,\s*([^,]*?)\s*,\s*(.*)$", re.IGNORECASE | re.DOTALL)


def shot_prompt(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """A prompt written in the multi-shot syntax (``shot 1, 2, words; shot 2, 3, words;``,
    new-design-api.md 1.5) numbers its shots 1, 2, ... up to ``max_shots``, gives each a whole
    number of seconds >= 1 that add up to ``total``, and at most ``max_chars`` words each. A
    prompt that does not start like a shot is a single-shot prompt and is not checked."""
    if not _applies(instance, params):
        return
    total = _number(_get(instance, params["total"], params.get("total_default")))
    for path, text in fieldpath.find_all(instance, params["prompt"]):
        if not isinstance(text, str) or not SHOT_START.match(text):
            continue
        problem = _shot_problem(text, params, total)
        if problem:
            yield path, problem


def _shot_problem(text: str, params: dict[str, Any], total: float | None) -> str | None:
    shots = [s.strip() for s in text.split(";") if s.strip()]
    if len(shots) > int(params["max_shots"]):
        return f"at most {params['max_shots']} shots, got {len(shots)}"
    seconds = 0.0
    for number, shot in enumerate(shots, start=1):
        match = SHOT.match(shot)
        if match is None:
            return f"shot {number}: must be written 'shot {number}, <seconds>, <description>'"
        if int(match[1]) != number:
            return f"shot {number}: shots must be numbered 1, 2, 3, ... (got {match[1]})"
        length = _number(match[2])
        if length is None or length < 1 or length != int(length):
            return f"shot {number}: the length must be a whole number of seconds >= 1"
        if not match[3].strip() or len(match[3]) > int(params["max_chars"]):
            return f"shot {number}: the description must have 1 to {params['max_chars']} characters"
        seconds += length
    if total is not None and abs(seconds - total) > 1e-9:
        return f"the shot lengths must add up to {params['total']} ({total:g}), got {seconds:g}"
    return None


def unique_values(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """No two items of ``array`` share a ``field`` value (items without one are ignored)."""
    items = instance.get(params["array"])
    seen: set[str] = set()
    for index, item in enumerate(items if isinstance(items, list) else []):
        value = item.get(params["field"]) if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            continue
        if value in seen:
            yield (
                (params["array"], index, params["field"]),
                f"{json.dumps(value, ensure_ascii=False)} is used by another item",
            )
            return
        seen.add(value)


def max_list_items(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """The ``separator``-separated lists in ``fields`` hold at most ``max`` items together."""
    count = 0
    for name in params["fields"]:
        value = instance.get(name)
        if isinstance(value, str):
            count += sum(1 for part in value.split(params["separator"]) if part.strip())
    if count > int(params["max"]):
        yield (), str(params["message"])


def sum_equals(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """The items' numeric ``item`` values add up to the object's ``total`` field."""
    items = instance.get(params["array"])
    if not isinstance(items, list) or not _applies(instance, params):
        return
    total = _number(instance.get(params["total"], params.get("total_default")))
    values = [_number(i.get(params["item"])) if isinstance(i, dict) else None for i in items]
    if total is None or any(v is None for v in values):
        return  # type errors are reported by the schema itself
    got = sum(v for v in values if v is not None)
    if abs(got - total) > 1e-9:
        yield (
            (params["array"],),
            f"the {params['item']} values must add up to {params['total']} "
            f"({total:g}), got {got:g}",
        )


def max_area_factor(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """(1 + sum of vertical) * (1 + sum of horizontal) stays within ``max``."""
    vertical = [_number(instance.get(k, 0)) for k in params["vertical"]]
    horizontal = [_number(instance.get(k, 0)) for k in params["horizontal"]]
    if any(v is None for v in vertical + horizontal):
        return
    factor = (1 + sum(v for v in vertical if v is not None)) * (
        1 + sum(h for h in horizontal if h is not None)
    )
    if factor > float(params["max"]) + 1e-9:
        names = ", ".join(params["vertical"] + params["horizontal"])
        yield (
            (),
            f"{names}: the expanded area must be at most {params['max']:g} times the "
            f"original, got {factor:g}",
        )


def less_than(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """``lower`` < ``upper`` when both are numbers, unless the ``unless`` field is non-empty."""
    if params.get("unless") and instance.get(params["unless"]):
        return
    lower, upper = _number(instance.get(params["lower"])), _number(instance.get(params["upper"]))
    if lower is not None and upper is not None and lower >= upper:
        yield ((params["lower"],), f"must be earlier than {params['upper']}")


def min_difference(instance: dict[str, Any], params: dict[str, Any]) -> Iterator[Problem]:
    """``upper`` - ``lower`` is at least ``min`` when both are numbers."""
    lower, upper = _number(instance.get(params["lower"])), _number(instance.get(params["upper"]))
    if lower is not None and upper is not None and upper - lower < float(params["min"]):
        yield (
            (params["upper"],),
            f"must be at least {params['min']:g} more than "
            f"{params['lower']} (got {upper - lower:g})",
        )


RULES: dict[str, Rule] = {
    "min_difference": min_difference,
    "sum_equals": sum_equals,
    "max_area_factor": max_area_factor,
    "less_than": less_than,
    "shot_prompt": shot_prompt,
    "max_list_items": max_list_items,
    "unique_values": unique_values,
}
