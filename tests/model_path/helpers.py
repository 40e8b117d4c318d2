"""Shared pieces of the model-path design's HTTP tests: a served app (lifespan running, a
callback receiver), its API key, and the ``/tasks`` query."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.backend import Backend
from tests.callbacks.helpers import Receiver
from tests.conftest import BASE_URL, ok

KEY = {"Authorization": "Bearer mock-api-key"}
T2V = "/text-to-video/kling-3.0"
HOOK = "http://receiver.test/hook"


@asynccontextmanager
async def served(
    clock: ManualClock, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Backend, Receiver]]:
    receiver = Receiver()
    app = create_app(Settings(**settings), clock=clock, callback_transport=receiver.transport())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=KEY) as client,
    ):
        yield client, app.state.backend, receiver


async def settle(backend: Backend) -> None:
    for _ in range(5):
        await asyncio.sleep(0)
    await backend.callbacks.idle()


def jwt(clock: ManualClock) -> dict[str, str]:
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    return {"Authorization": f"Bearer {token}"}


async def tasks(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(await client.get("/tasks", params=params))
    return found
