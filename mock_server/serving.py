"""What a served app runs beside its requests (the app's lifespan): the lifecycle worker, so
transitions happen when nobody polls, and the callback sender; the report on exit."""

from __future__ import annotations

import asyncio
import contextlib
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
