"""The one source of time. Nothing else in the fake reads the wall clock.

Tests use ``ManualClock`` and advance it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

# 2026-01-01T00:00:00Z: a fixed, realistic start for manual clocks, so runs are reproducible.
DEFAULT_MANUAL_START_MS = 1_767_225_600_000


class Clock(Protocol):
    def now_ms(self) -> int:
        """Unix time in milliseconds; never goes backwards."""
        ...


class SystemClock:
    """Wall time, made monotonic so that updated_at never goes backwards after an NTP step."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            self._last = max(self._last, time.time_ns() // 1_000_000)
            return self._last


class ManualClock:
    """Time that moves only when told to."""

    def __init__(self, start_ms: int = DEFAULT_MANUAL_START_MS) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("a manual clock only moves forwards")
        self._now += round(seconds * 1000)
        return self._now

    def set_ms(self, now_ms: int) -> None:
        if now_ms < self._now:
            raise ValueError("a manual clock only moves forwards")
        self._now = now_ms
