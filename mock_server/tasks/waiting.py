"""Sleeping in simulated time: ``await waiter.sleep_until(ms)``.

The lifecycle worker and callback retries wait for moments on the fake's clock, not the wall
clock: on a system or scaled clock the waiter sleeps the matching real time; on a manual clock
it sleeps until someone moves the clock (a test, the control API), from any thread. Nothing
here polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from mock_server.tasks.clock import SimClock


class ClockWaiter:
    def __init__(self, clock: SimClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        clock.subscribe(self.wake_all)

    def wake_all(self) -> None:
        """The clock moved (or a new deadline came in): every sleeper re-checks its time."""
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def sleep_until(self, target_ms: int) -> None:
        while not await self.nap(target_ms):
            pass

    async def nap(self, target_ms: int | None) -> bool:
        """Sleep until ``target_ms`` (None: no deadline) or until woken, whichever is first;
        True if the time has come."""
        loop = asyncio.get_running_loop()
        entry = (loop, asyncio.Event())
        with self._lock:  # registered before the time is read: no wake-up can be missed
            self._waiting.add(entry)
        try:
            delay = None if target_ms is None else self._clock.real_seconds_until(target_ms)
            if delay == 0:
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(entry[1].wait(), timeout=delay)
        finally:
            with self._lock:
                self._waiting.discard(entry)
        return target_ms is not None and self._clock.real_seconds_until(target_ms) == 0

    async def sleep(self, seconds: float) -> None:
        """``seconds`` of simulated time from now."""
        await self.sleep_until(self._clock.now_ms() + round(seconds * 1000))
