"""final_unit_deduction from each manifest entry's ``units`` rule.

units = base x mode_factor[mode] x (duration / per_seconds.unit) x count field. Kling publishes
prices on a separate page that changes often; these rules are the fake's, documented in the
manifest, not a quote.
"""

from __future__ import annotations

from typing import Any


class PriceTable:
    def __init__(self, rules: dict[str, dict[str, Any]]) -> None:
        self._rules = rules

    def units(self, endpoint_id: str, body: dict[str, Any]) -> str:
        rule = self._rules.get(endpoint_id, {"base": 1})
        units = float(rule.get("base", 1))
        units *= float(rule.get("mode_factor", {}).get(str(body.get("mode")), 1))
        per = rule.get("per_seconds")
        if per:
            units *= _num(body.get(per["field"]), per.get("default", per["unit"])) / per["unit"]
        count = rule.get("count")
        if count:
            units *= max(1.0, _num(body.get(count), 1))
        return _fmt(units)


def _num(value: Any, default: float) -> float:
    if isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _fmt(units: float) -> str:
    text = f"{units:.3f}".rstrip("0").rstrip(".")
    return text or "0"
