"""The spending guard: against real Kling only free checks run unless ``--kling-allow-spend=N``,
and then at most N billable tasks are created, cheapest endpoint first, announced beforehand.

Costs are estimated from the manifest's ``units`` rules (the 2026-09 price pages, some rows
estimated) applied to the recorded minimal example of each endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.examples import first_valid
from mock_server.simulation.pricing import PriceTable
from mock_server.spec.registry import Endpoint, Registry


def minimal_body(endpoint: str) -> dict[str, Any]:
    """The endpoint's recorded minimal example (the body flows send)."""
    return first_valid(endpoint, "minimal")


@dataclass
class SpendGuard:
    registry: Registry
    limited: bool  # True against real Kling
    allowance: int = 0
    spent: int = 0
    plan: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        prices = PriceTable.for_registry(self.registry)
        costs = [
            (ep.id, float(prices.units(ep.id, minimal_body(ep.id))))
            for ep in self.billable_endpoints()
        ]
        self.plan = sorted(costs, key=lambda item: (item[1], item[0]))[: self.allowance]

    def billable_endpoints(self) -> list[Endpoint]:
        return [ep for ep in self.registry.endpoints.values() if ep.kind == "task"]

    def planned(self, endpoint: str) -> bool:
        return not self.limited or any(ep == endpoint for ep, _ in self.plan)

    def may_create(self, endpoint: str) -> bool:
        return not self.limited or (self.planned(endpoint) and self.spent < self.allowance)

    def record_spend(self) -> None:
        self.spent += 1

    def allow_setup(self, what: str) -> bool:
        """An object a test needs made first (a video to extend, a TTS audio, a session):
        billable on real Kling, so it takes one task of the allowance; free on a fake."""
        if not self.limited:
            return True
        if self.spent < self.allowance:
            self.spent += 1
            return True
        return False

    def describe(self) -> list[str]:
        if not self.limited:
            return []
        if not self.allowance:
            return [
                "spending guard: real target, free checks only (no task will be created); "
                "pass --kling-allow-spend=N to allow N billable tasks"
            ]
        total = sum(cost for _, cost in self.plan)
        lines = [
            f"spending guard: at most {self.allowance} billable task(s), cheapest first, "
            f"about {total:g} units in all (estimated from the fake's price rules):"
        ]
        lines += [f"  {endpoint}: ~{cost:g} units" for endpoint, cost in self.plan]
        return lines
