"""How hard the fake tries to deliver a callback, and the faults one delivery may carry.

Kling documents none of this for legacy callbacks (retries, timeout, ordering, which statuses:
api-reference.md 2.1), so every choice is a setting with a default a receiver can live with.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import get_args

from mock_server.tasks.model import Status

ALL_STATUSES: frozenset[str] = frozenset(get_args(Status))


@dataclass(frozen=True)
class CallbackPolicy:
    """Retry, timeout and fan-out limits. ``timeout_s`` is real time, the delays simulated.

    ``statuses``: which statuses are called back. The docs say "whenever the task status
    changes" and never say whether ``submitted`` is sent; the default sends all four.
    """

    attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    timeout_s: float = 10.0
    concurrency: int = 8
    jitter: float = 0.1
    statuses: frozenset[str] = ALL_STATUSES

    def __post_init__(self) -> None:
        _whole("attempts", self.attempts)
        _whole("concurrency", self.concurrency)
        _number("base_delay_s", self.base_delay_s, low=0.0)
        _number("max_delay_s", self.max_delay_s, low=0.0)
        if self.max_delay_s < self.base_delay_s:
            raise ValueError(
                f"callback max_delay_s ({self.max_delay_s}) is below base_delay_s "
                f"({self.base_delay_s})"
            )
        _number("timeout_s", self.timeout_s, low=0.0, strict=True)
        _number("jitter", self.jitter, low=0.0)
        if self.jitter >= 1:
            raise ValueError(f"callback jitter must be below 1 (a fraction), got {self.jitter}")
        given: object = self.statuses  # typed frozenset, but settings may hand over anything
        if isinstance(given, str):
            raise ValueError("callback statuses must be a collection of statuses, not one string")
        object.__setattr__(self, "statuses", frozenset(self.statuses))
        unknown = sorted(self.statuses - ALL_STATUSES)
        if unknown:
            known = ", ".join(sorted(ALL_STATUSES))
            raise ValueError(f"callback statuses {unknown} are not task statuses ({known})")

    def jitter_factors(self, rng: random.Random) -> tuple[float, ...]:
        """One factor per possible retry, drawn when the delivery is queued, so the jitter a
        delivery gets never depends on how the network interleaves other deliveries."""
        return tuple(1 + rng.uniform(-self.jitter, self.jitter) for _ in range(self.attempts - 1))

    def delay_s(self, attempt: int, factor: float = 1.0) -> float:
        """Simulated seconds to wait after failed ``attempt`` (1-based) before the next."""
        return min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1)) * factor


@dataclass(frozen=True)
class CallbackEffect:
    """What a fault rule does to one delivery.

    ``drop``: never sent (journaled ``dropped``); ``delay_s``: extra simulated seconds before
    the first attempt; ``duplicate``: sent twice with the same webhook-id; ``reorder``: held
    back and sent after the task's next delivery (a final status has no next one and is sent
    at once); ``fail``: the first attempt fails as if the network had, then retries as usual.
    """

    drop: bool = False
    delay_s: float = 0.0
    duplicate: bool = False
    reorder: bool = False
    fail: bool = False

    def __post_init__(self) -> None:
        _number("callback effect delay_s", self.delay_s, low=0.0)


def _whole(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"callback {name} must be a whole number >= 1, got {value!r}")


def _number(name: str, value: float, *, low: float, strict: bool = False) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > low if strict else value >= low)
    )
    if not ok:
        sign = ">" if strict else ">="
        label = name if name.startswith("callback") else f"callback {name}"
        raise ValueError(f"{label} must be a finite number {sign} {low}, got {value!r}")


NO_EFFECT = CallbackEffect()
