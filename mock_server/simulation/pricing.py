"""final_unit_deduction from the price table in ``schemas/pricing.json``.

units = base x mode factor x (duration / unit seconds) x count, per endpoint. Kling publishes
prices on a separate page that changes often; this table is the fake's, documented, not a quote.
"""

from __future__ import annotations

from typing import Any


class PriceTable:
    def __init__(self, table: dict[str, Any]) -> None:
        self._default: dict[str, Any] = table.get("default", {"base": 1})
        self._endpoints: dict[str, dict[str, Any]] = table.get("endpoints", {})

    def rule(self, endpoint_id: str) -> dict[str, Any]:
        return self._endpoints.get(endpoint_id, self._default)

    def units(self, endpoint_id: str, body: dict[str, Any]) -> str:
        rule = self.rule(endpoint_id)
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
    except (TypeError, ValueError):
        return default


def _fmt(units: float) -> str:
    text = f"{units:.3f}".rstrip("0").rstrip(".")
    return text or "0"
