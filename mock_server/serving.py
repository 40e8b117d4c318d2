"""What a served app runs beside its requests (the app's lifespan): the lifecycle worker, so
transitions happen when nobody polls, and the callback sender; the report on exit."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import anyio

from mock_server.tasks.worker import run_lifecycle

if TYPE_CHECKING:
    from mock_server.backend import Backend


@contextlib.asynccontextmanager
async def running(backend: Backend) -> AsyncIterator[None]:
    backend.loop = asyncio.get_running_loop()  # a reset swaps senders on this loop
    await backend.callbacks.start()
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(run_lifecycle, lambda: backend.lifecycle, backend.waiter)
            try:
                yield
            finally:
                group.cancel_scope.cancel()
    finally:
        backend.loop = None
        await backend.callbacks.stop()
        if backend.settings.report_on_exit:
            print(json.dumps(backend.report(), indent=2), flush=True)


def quiet_gc() -> None:
    """Keep full garbage collections short however many tasks are stored (``serve`` only).

    A full collection walks every tracked object, so its pause grew with the store (34 ms at
    1k tasks, 1.7 s at 1M, BENCHMARKS.md). What survives start-up, and then what survives each
    full collection, is frozen (``gc.freeze``): later collections walk only what is newer.
    Stored values are acyclic and freed by reference counting when replaced or evicted, which
    freezing does not stop; a cycle among frozen objects would wait for the process to end.
    Not for a process that builds many apps (tests): their cycles would never be collected.
    """
    gc.collect()
    gc.freeze()
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()
