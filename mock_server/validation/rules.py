"""Named business rules (``x-kling-rule``) for what JSON Schema cannot say, e.g. arithmetic.

Each rule takes the object and its parameters from the schema and yields (path, message) pairs.
Adding a rule means adding a function here and naming it in a schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Problem = tuple[tuple[str | int, ...], str]
Rule = Callable[[dict[str, Any], dict[str, Any]], Iterator[Problem]]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _applies(instance: dict[str, Any], params: dict[str, Any]) -> bool:
    """All ``when`` conditions hold: ``{"field", "in", "default"?}``, one or a list."""
    when = params.get("when") or []
    conditions = when if isinstance(when, list) else [when]
    return all(instance.get(c["field"], c.get("default")) in c["in"] for c in conditions)


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
}
