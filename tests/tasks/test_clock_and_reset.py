"""Time only moves forwards, and a reset brings the whole fake back to its first state."""

from __future__ import annotations

import httpx
import pytest

from mock_server import ManualClock, Settings, SystemClock, create_app, mint_token
from mock_server.backend import Backend
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio


def test_manual_clock_refuses_to_go_back() -> None:
    clock = ManualClock(1_000)
    clock.advance(1.5)
    assert clock.now_ms() == 2_500
    clock.set_ms(3_000)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set_ms(2_999)


def test_system_clock_never_goes_back_when_the_wall_clock_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wall = iter([5_000, 5_000, 4_000, 6_000, 3_000])  # start, then NTP steps back twice (ms)
    monkeypatch.setattr("mock_server.tasks.clock.time.time_ns", lambda: next(wall) * 1_000_000)
    clock = SystemClock()
    assert [clock.now_ms() for _ in range(4)] == [5_000, 5_000, 6_000, 6_000]


async def _create_reset_create(settings: Settings) -> tuple[str, str, list[str]]:
    clock = ManualClock()
    app = create_app(settings, clock=clock)
    backend: Backend = app.state.backend
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        body = {"prompt": "x", "external_task_id": "e"}
        first = ok(await c.post("/v1/videos/text2video", json=body))
        backend.reset()
        again = ok(await c.post("/v1/videos/text2video", json=body))
        listed = [t["task_id"] for t in ok(await c.get("/v1/videos/text2video"))]
    return first["task_id"], again["task_id"], listed


async def test_reset_forgets_tasks_and_replays_the_same_ids_with_a_seed() -> None:
    first, again, listed = await _create_reset_create(Settings(seed=7))
    assert again == first  # same seed, same sequence
    assert listed == [again]


async def test_without_a_seed_ids_never_repeat_across_resets_and_restarts() -> None:
    first, again, listed = await _create_reset_create(Settings())
    assert again != first and listed == [again]
    other_first, _, _ = await _create_reset_create(Settings())  # a restart
    assert other_first not in (first, again)
