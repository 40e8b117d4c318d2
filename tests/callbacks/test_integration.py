"""Callbacks from the served app: every status change of a task with a callback_url is POSTed
in order, without anyone polling, signed when a secret is set; a hanging receiver never slows
the API. The app runs its lifespan (worker and sender) as a server would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.backend import Backend
from tests.callbacks.helpers import Receiver, verify
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"
HOOK = "http://receiver.test/hook"
SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="


@asynccontextmanager
async def served(
    receiver: Receiver, clock: ManualClock, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Backend]]:
    app = create_app(Settings(**settings), clock=clock, callback_transport=receiver.transport())
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as client,
    ):
        yield client, app.state.backend


async def settle(backend: Backend) -> None:
    """Let the worker and the sender run everything that is due (no real sleeping)."""
    for _ in range(5):
        await asyncio.sleep(0)
    await backend.callbacks.idle()


async def test_each_status_change_is_called_back_in_order_without_polling(
    clock: ManualClock,
) -> None:
    receiver = Receiver()
    async with served(receiver, clock) as (client, backend):
        created = ok(await client.post(T2V, json={"prompt": "fox", "callback_url": HOOK}))
        await settle(backend)
        clock.advance(60)  # nobody polls: the worker applies both transitions
        await settle(backend)
        assert receiver.statuses("/hook") == ["submitted", "processing", "succeed"]
        final = ok(await client.get(f"{T2V}/{created['task_id']}"))
    bodies = receiver.bodies("/hook")
    assert bodies[-1] == final  # the bare task object, as the query endpoint shows it
    assert "code" not in bodies[0] and bodies[0]["task_id"] == created["task_id"]
    assert bodies[1]["task_result"] == {} and bodies[2]["task_result"]["videos"]
    request = receiver.requests[0]
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert "webhook-signature" not in request.headers


async def test_callbacks_are_signed_with_the_webhook_secret(clock: ManualClock) -> None:
    receiver = Receiver()
    async with served(receiver, clock, webhook_secret=SECRET) as (client, backend):
        ok(await client.post(T2V, json={"prompt": "fox", "callback_url": HOOK}))
        clock.advance(60)
        await settle(backend)
    ids = set()
    for request in receiver.requests:
        assert verify(SECRET, request.headers, request.content, clock.now_ms() // 1000)
        ids.add(request.headers["webhook-id"])
    assert len(ids) == 3  # one idempotency key per delivery


async def test_journal_shows_attempts_and_retries_follow_the_clock(clock: ManualClock) -> None:
    receiver = Receiver()
    receiver.script["/hook"] = [500, 200]
    async with served(receiver, clock, callback_statuses="succeed") as (client, backend):
        created = ok(await client.post(T2V, json={"prompt": "fox", "callback_url": HOOK}))
        clock.advance(60)
        await settle(backend)
        rows = (await client.get("/__mock/journal/callbacks")).json()["callbacks"]
        assert [(r["attempt"], r["outcome"], r["http_status"]) for r in rows] == [
            (1, "retrying", 500)
        ]
        clock.advance(2)  # past the first backoff (1 s +- 10%)
        await settle(backend)
        rows = (await client.get(f"/__mock/journal/callbacks?task_id={created['task_id']}")).json()
    assert [(r["attempt"], r["outcome"]) for r in rows["callbacks"]] == [
        (1, "retrying"),
        (2, "delivered"),
    ]
    assert receiver.statuses("/hook") == ["succeed", "succeed"]


async def test_a_hanging_receiver_never_slows_the_api(clock: ManualClock) -> None:
    receiver = Receiver()
    receiver.hang.add("/hang")
    async with served(receiver, clock, callback_timeout=3600) as (client, _backend):
        for _ in range(3):
            ok(await client.post(T2V, json={"prompt": "x", "callback_url": "http://r.test/hang"}))
        for _ in range(20):  # idle() would wait for the hanging deliveries: just let them start
            await asyncio.sleep(0)
        assert receiver.in_flight >= 1  # deliveries are stuck in the receiver...
        # ...while the API answers every request (these would wait forever if it were blocked)
        listed = ok(await asyncio.wait_for(client.get(T2V), timeout=30))
        assert len(listed) == 3


async def test_tasks_without_a_callback_url_send_nothing(clock: ManualClock) -> None:
    receiver = Receiver()
    async with served(receiver, clock) as (client, backend):
        ok(await client.post(T2V, json={"prompt": "quiet"}))
        clock.advance(60)
        await settle(backend)
    assert receiver.requests == []


async def test_reset_stops_old_deliveries_and_keeps_sending_new_ones(clock: ManualClock) -> None:
    receiver = Receiver()
    receiver.script["/old"] = [500]
    async with served(receiver, clock, callback_statuses="succeed") as (client, backend):
        ok(await client.post(T2V, json={"prompt": "x", "callback_url": "http://r.test/old"}))
        clock.advance(60)
        await settle(backend)
        await client.post("/__mock/reset")
        await settle(backend)
        ok(await client.post(T2V, json={"prompt": "y", "callback_url": HOOK}))
        backend.clock.advance(60)  # the reset clock (a manual clock restarts where it began)
        await settle(backend)
        assert (await client.get("/__mock/journal/callbacks")).json()["callbacks"][-1][
            "outcome"
        ] == "delivered"
    assert receiver.statuses("/old") == ["succeed"]  # no retry after the reset
    assert receiver.statuses("/hook") == ["succeed"]


def _decoded(requests: list[httpx.Request]) -> list[Any]:
    return [json.loads(r.content) for r in requests]


Make = Callable[..., Any]
