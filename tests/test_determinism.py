"""Same seed, same requests, same manual clock: byte-identical responses, task ids, callback
bodies and fault draws, whatever unrelated requests come in between."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from tests.conftest import FIXED_START_MS

pytestmark = pytest.mark.anyio
SECRET = "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI="


async def run(seed: int, make_client: Callable[..., httpx.AsyncClient]) -> list[bytes]:
    clock = ManualClock(FIXED_START_MS)
    app = create_app(Settings(seed=seed, fail_rate=0.3, concurrency="off"), clock=clock)
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    out = []
    async with make_client(app, {"Authorization": f"Bearer {token}"}) as c:
        ids = []
        for i in range(5):
            r = await c.post("/v1/images/generations", json={"prompt": f"p{i}", "n": 2})
            out.append(r.content)
            ids.append(r.json()["data"]["task_id"])
        out.append((await c.post("/v1/videos/text2video", json={"duration": "99"})).content)
        clock.advance(30)
        out += [(await c.get(f"/v1/images/generations/{i}")).content for i in ids]
        out.append((await c.get("/v1/images/generations")).content)
    return out


async def test_same_seed_gives_identical_bytes(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    assert await run(3, make_client) == await run(3, make_client)


async def test_other_seed_gives_other_ids(make_client: Callable[..., httpx.AsyncClient]) -> None:
    assert (await run(3, make_client))[0] != (await run(4, make_client))[0]


async def _callback_run(seed: int, interleave: bool) -> tuple[list[bytes], list[bytes]]:
    """Creates with callbacks on a manual clock, optionally with unrelated polls, lists and
    control calls in between: responses (minus request ids) and callback bodies."""
    from tests.callbacks.helpers import Receiver

    receiver = Receiver()
    clock = ManualClock(FIXED_START_MS)
    settings = Settings(seed=seed, fail_rate=0.3, webhook_secret=SECRET)
    app = create_app(settings, clock=clock, callback_transport=receiver.transport())
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    out: list[bytes] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://kling.test", headers=headers) as c,
    ):
        ids = []
        for i in range(4):
            body = {"prompt": f"p{i}", "callback_url": "http://r.test/hook"}
            created = (await c.post("/v1/videos/text2video", json=body)).json()
            out.append(json.dumps(created["data"]).encode())
            ids.append(created["data"]["task_id"])
            if interleave:  # unrelated traffic: polls, a list, a control call
                await c.get(f"/v1/videos/text2video/{ids[0]}")
                await c.get("/v1/videos/text2video")
                await c.get("/__mock/health")
        clock.advance(60)
        for _ in range(5):
            await asyncio.sleep(0)
        await app.state.backend.callbacks.idle()
        for task_id in ids:
            data = (await c.get(f"/v1/videos/text2video/{task_id}")).json()["data"]
            out.append(json.dumps(data).encode())
    hooks = [r.content + r.headers["webhook-id"].encode() for r in receiver.requests]
    return out, hooks


async def test_interleaved_requests_shift_no_id_outcome_or_callback() -> None:
    quiet = await _callback_run(5, interleave=False)
    busy = await _callback_run(5, interleave=True)
    assert quiet == busy
    assert len(quiet[1]) == 12  # 4 tasks x submitted, processing, end
    assert quiet != await _callback_run(6, interleave=False)
