"""Same seed, same requests, same manual clock: byte-identical responses."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token

pytestmark = pytest.mark.anyio


async def run(seed: int, make_client: Callable[..., httpx.AsyncClient]) -> list[bytes]:
    clock = ManualClock()
    app = create_app(Settings(seed=seed, fail_rate=0.3), clock=clock)
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
