"""Decide, at creation, whether a task will fail: marker words first, then a seeded coin."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any


class FailurePolicy:
    def __init__(self, rules: dict[str, Any], *, rate: float, seed: int) -> None:
        self._markers = [
            (str(m["marker"]), str(m["task_status_msg"])) for m in rules.get("markers", [])
        ]
        self._random_msg = str(rules.get("random_failure_msg", "Task failed"))
        self._rate = rate
        self.reset(seed)

    def reset(self, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(f"kling-mock:failures:{self._seed}")

    def decide(self, body: Any) -> str | None:
        """The task_status_msg the task will fail with, or None if it will succeed."""
        # Draw on every task, so one task's outcome never shifts because another had a marker.
        roll = self._rng.random()
        texts = list(_strings(body))
        for marker, message in self._markers:
            if any(marker in text for text in texts):
                return message
        return self._random_msg if roll < self._rate else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
