"""The one source of time. Nothing else in the fake reads the wall clock.

One ``SimClock`` runs in three modes and can switch between them at run time (the control API
does): ``system`` (wall time), ``scaled`` (time runs ``speed`` times as fast) and ``manual``
(time stands still until ``advance``/``set_ms``). It never goes backwards, whatever the mode
or the wall clock does. Whoever waits for a moment in simulated time (the lifecycle worker,
callback retries) asks ``real_seconds_until`` and is woken by ``subscribe`` when the clock is
moved by hand. Tests use ``ManualClock`` and advance it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, Protocol

ClockMode = Literal["system", "scaled", "manual"]
CLOCK_MODES: tuple[ClockMode, ...] = ("system", "scaled", "manual")


class Clock(Protocol):
    def now_ms(self) -> int:
        """Unix time in milliseconds; never goes backwards."""
        ...


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def parse_start(text: str) -> int:
    """``--clock-start``: Unix milliseconds, or an ISO 8601 time (UTC unless it says)."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"clock-start {text!r} is neither Unix milliseconds nor an ISO 8601 time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class SimClock:
    """Simulated time: ``anchor_sim + (monotonic - anchor_mono) * rate``, re-anchored on every
    change, so switching modes or moving the clock never makes it jump back."""

    def __init__(
        self, mode: ClockMode = "system", *, start_ms: int | None = None, speed: float = 1.0
    ) -> None:
        if mode not in CLOCK_MODES:
            raise ValueError(f"clock mode must be one of {', '.join(CLOCK_MODES)}")
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._mode: ClockMode = mode
        self._speed = _check_speed(speed)
        self._anchor_sim = wall_ms() if start_ms is None else int(start_ms)
        self._anchor_mono = time.monotonic()
        self._last = self._anchor_sim
        self._initial: tuple[ClockMode, int | None, float] = (
            mode,
            None if start_ms is None else int(start_ms),
            self._speed,
        )

    # -- reading -------------------------------------------------------------------------------

    @property
    def mode(self) -> ClockMode:
        return self._mode

    @property
    def speed(self) -> float:
        return self._speed

    def now_ms(self) -> int:
        with self._lock:
            return self._now_locked()

    def _rate(self) -> float:
        mode = self._mode
        return self._speed if mode == "scaled" else 1.0 if mode == "system" else 0.0

    def _now_locked(self) -> int:
        # Read several times a request: the arithmetic of _elapsed_ms and wall_ms written out.
        mode = self._mode
        if mode == "manual":
            return self._last  # time stands still; only a move by hand changes it
        elapsed = time.monotonic() - self._anchor_mono
        if mode == "system":
            # Follow the wall clock (as a real server does), but never step back after NTP.
            now = max(time.time_ns() // 1_000_000, self._anchor_sim + int(elapsed * 1000))
        else:
            now = self._anchor_sim + int(elapsed * 1000 * self._speed)
        if now > self._last:
            self._last = now
        return self._last

    def real_seconds_until(self, target_ms: int) -> float | None:
        """Real seconds until simulated ``target_ms`` (0 if passed); None while time stands
        still (manual mode): only ``advance``/``set_ms``/``set_mode`` will bring it."""
        with self._lock:
            now = self._now_locked()
            if target_ms <= now:
                return 0.0
            rate = self._rate()
            return None if rate == 0 else (target_ms - now) / 1000 / rate

    # -- moving ------------------------------------------------------------------------------

    def advance(self, seconds: float) -> int:
        if not seconds >= 0:
            raise ValueError("the clock only moves forwards")
        with self._lock:
            self._reanchor(self._now_locked() + round(seconds * 1000))
            now = self._last
        self._notify()
        return now

    def set_ms(self, now_ms: int) -> int:
        with self._lock:
            if now_ms < self._now_locked():
                raise ValueError("the clock only moves forwards")
            self._reanchor(int(now_ms))
            now = self._last
        self._notify()
        return now

    def set_mode(self, mode: ClockMode, speed: float | None = None) -> None:
        if mode not in CLOCK_MODES:
            raise ValueError(f"clock mode must be one of {', '.join(CLOCK_MODES)}")
        with self._lock:
            now = self._now_locked()
            self._mode = mode
            if speed is not None:
                self._speed = _check_speed(speed)
            self._reanchor(now)
        self._notify()

    def restart(self) -> None:
        """Back to how it was built (a reset): the one move that may go backwards in time. A
        clock that started at the wall time starts at the wall time again."""
        mode, start_ms, speed = self._initial
        with self._lock:
            self._mode = mode
            self._speed = speed
            self._anchor_sim = wall_ms() if start_ms is None else start_ms
            self._anchor_mono = time.monotonic()
            self._last = self._anchor_sim
        self._notify()

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Called (from the thread that moved the clock) after every change by hand."""
        self._listeners.append(listener)

    def _reanchor(self, sim_ms: int) -> None:
        self._anchor_sim = sim_ms
        self._anchor_mono = time.monotonic()
        self._last = max(self._last, sim_ms)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()


class SystemClock(SimClock):
    """Wall time (the default of ``kling-mock serve``)."""

    def __init__(self) -> None:
        super().__init__("system")


class ManualClock(SimClock):
    """Time that moves only when told to. Starts at the current wall time by default, so a JWT
    an unchanged client mints from ``time.time()`` is valid; pass ``start_ms`` for a fixed
    start (reproducible runs)."""

    def __init__(self, start_ms: int | None = None) -> None:
        super().__init__("manual", start_ms=start_ms)


def _elapsed_ms(since_mono: float, rate: float) -> int:
    return int((time.monotonic() - since_mono) * 1000 * rate)


def _check_speed(speed: float) -> float:
    if not speed > 0:
        raise ValueError(f"clock speed must be > 0, got {speed}")
    return float(speed)
