"""Time only moves forwards, and a reset brings the whole fake back to its first state."""

from __future__ import annotations

import httpx
import pytest

from mock_server import ManualClock, SystemClock
from mock_server.backend import Backend
from tests.conftest import ok

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
    wall = iter([5_000, 4_000, 6_000, 3_000])  # an NTP step backwards, twice (ms)
    monkeypatch.setattr("mock_server.tasks.clock.time.time_ns", lambda: next(wall) * 1_000_000)
    clock = SystemClock()
    assert [clock.now_ms() for _ in range(4)] == [5_000, 5_000, 6_000, 6_000]


async def test_reset_forgets_tasks_and_replays_the_same_ids(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    first = ok(
        await client.post("/v1/videos/text2video", json={"prompt": "x", "external_task_id": "e"})
    )
    backend.reset()
    again = ok(
        await client.post("/v1/videos/text2video", json={"prompt": "x", "external_task_id": "e"})
    )
    assert again["task_id"] == first["task_id"]  # same seed, same sequence
    assert [t["task_id"] for t in ok(await client.get("/v1/videos/text2video"))] == [
        again["task_id"]
    ]
