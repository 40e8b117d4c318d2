"""The background worker: transitions happen on time even when nobody polls.

It sleeps (in simulated time) until the next due step and applies it; a new earlier step or a
moved clock wakes it. Requests still tick the lifecycle themselves, so an answer is exact even
when the worker has not run yet (in-process tests without a lifespan).
"""

from __future__ import annotations

from collections.abc import Callable

from mock_server.tasks.lifecycle import Lifecycle
from mock_server.tasks.waiting import ClockWaiter


async def run_lifecycle(current: Callable[[], Lifecycle], waiter: ClockWaiter) -> None:
    """Runs until cancelled (the app's lifespan does that on shutdown). ``current`` gives the
    lifecycle in force: a reset replaces it."""
    while True:
        lifecycle = current()
        lifecycle.tick()
        await waiter.nap(lifecycle.next_due_ms())
