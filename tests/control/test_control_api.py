"""The /__mock/ control API: health, reset, clock, steering tasks, timings, journal, guard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mock_server import ManualClock, Settings, create_app
from mock_server.backend import Backend
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"


async def created(client: httpx.AsyncClient, **extra: Any) -> str:
    return str(ok(await client.post(T2V, json={"prompt": "a fox", **extra}))["task_id"])


async def test_health_reports_version_seed_and_clock(client: httpx.AsyncClient) -> None:
    body = (await client.get("/__mock/health")).json()
    assert body["status"] == "ok" and body["version"]
    assert body["clock"]["mode"] == "manual" and isinstance(body["seed"], int)


async def test_clock_read_advance_set_and_mode(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    start = clock.now_ms()
    task_id = await created(client)
    moved = (await client.post("/__mock/clock/advance", json={"seconds": 30})).json()
    assert moved["now_ms"] == start + 30_000 and moved["mode"] == "manual"
    assert ok(await client.get(f"{T2V}/{task_id}"))["task_status"] == "succeed"
    later = (await client.post("/__mock/clock/set", json={"now_ms": start + 60_000})).json()
    assert later["now_ms"] == start + 60_000
    back = await client.post("/__mock/clock/set", json={"now_ms": start})
    assert back.status_code == 400 and "forwards" in back.json()["error"]
    assert (await client.post("/__mock/clock/advance", json={"seconds": -1})).status_code == 400
    assert (await client.post("/__mock/clock/advance", json={})).json() == {
        "error": "seconds: required"
    }
    scaled = (await client.post("/__mock/clock/mode", json={"mode": "scaled", "speed": 10})).json()
    assert scaled["mode"] == "scaled" and scaled["speed"] == 10
    assert scaled["now_ms"] >= start + 60_000  # never jumps back
    bad = await client.post("/__mock/clock/mode", json={"mode": "warp"})
    assert bad.status_code == 400


async def test_steer_finish_fail_hold_and_timeline(client: httpx.AsyncClient) -> None:
    done = await created(client)
    steered = (await client.post(f"/__mock/tasks/{done}/finish")).json()
    assert steered["status"] == "succeed"
    assert ok(await client.get(f"{T2V}/{done}"))["task_result"]["videos"]

    failed = await created(client)
    message = "Failure to pass the risk control system"
    await client.post(f"/__mock/tasks/{failed}/fail", json={"message": message})
    data = ok(await client.get(f"{T2V}/{failed}"))
    assert (data["task_status"], data["task_status_msg"]) == ("failed", message)
    again = await client.post(f"/__mock/tasks/{failed}/finish")
    assert again.status_code == 409 and "already ended" in again.json()["error"]

    held = await created(client)
    await client.post(f"/__mock/tasks/{held}/hold", json={"status": "processing"})
    await client.post("/__mock/clock/advance", json={"seconds": 600})
    assert ok(await client.get(f"{T2V}/{held}"))["task_status"] == "processing"

    slow = await created(client)
    steps = [
        {"status": "processing", "after_polls": 2},
        {"status": "failed", "after_polls": 1, "message": "late"},
    ]
    assert (
        await client.post(f"/__mock/tasks/{slow}/timeline", json={"steps": steps})
    ).status_code == 200
    seen = [ok(await client.get(f"{T2V}/{slow}"))["task_status"] for _ in range(4)]
    assert seen == ["submitted", "submitted", "processing", "failed"]
    bad = await client.post(f"/__mock/tasks/{slow}/timeline", json={"steps": [{"status": "x"}]})
    assert bad.status_code == 400
    assert (await client.post("/__mock/tasks/404/finish")).status_code == 404


async def test_list_and_read_tasks_of_any_account(client: httpx.AsyncClient) -> None:
    first = await created(client)
    second = await created(client, external_task_id="mine")
    listed = (await client.get("/__mock/tasks")).json()["tasks"]
    assert [t["task_id"] for t in listed] == [second, first]
    one = (await client.get(f"/__mock/tasks/{second}")).json()
    assert one["account"] == "mock-access-key" and one["endpoint"] == "text2video"
    assert one["task"]["task_info"] == {"external_task_id": "mine"}
    assert len(one["plan"]) == 2
    assert (await client.get("/__mock/tasks?status=succeed")).json()["tasks"] == []


async def test_timings_override_and_unset(client: httpx.AsyncClient, clock: ManualClock) -> None:
    default = (await client.get("/__mock/timings")).json()["video"]
    assert default["source"] == "default"
    put = await client.put("/__mock/timings/video", json={"queued_s": 0, "running_s": 1})
    assert put.json()["video"] == {"queued_s": 0, "running_s": 1, "source": "override"}
    task_id = await created(client)
    clock.advance(1.01)
    assert ok(await client.get(f"{T2V}/{task_id}"))["task_status"] == "succeed"
    unset = (await client.delete("/__mock/timings/video")).json()["video"]
    assert unset == default
    assert (
        await client.put("/__mock/timings/nope", json={"queued_s": 0, "running_s": 1})
    ).status_code == 404
    assert (
        await client.put("/__mock/timings/video", json={"queued_s": -1, "running_s": 1})
    ).status_code == 400


async def test_reset_rebuilds_everything(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend
) -> None:
    start_task = await created(client)
    await client.put("/__mock/timings/video", json={"queued_s": 0, "running_s": 1})
    await client.post("/__mock/clock/advance", json={"seconds": 100})
    assert (await client.post("/__mock/reset")).json() == {"reset": True}
    assert (await client.get("/__mock/tasks")).json()["tasks"] == []
    assert (await client.get("/__mock/timings")).json()["video"]["source"] == "default"
    assert backend.journal.rows() == []
    missing = await client.get(f"{T2V}/{start_task}")
    assert missing.json()["code"] != 0


async def test_request_journal_records_kling_requests(client: httpx.AsyncClient) -> None:
    task_id = await created(client)
    await client.get(f"{T2V}/{task_id}")
    await client.post(T2V, json={"duration": "99"})
    rows = (await client.get("/__mock/journal/requests")).json()["requests"]
    assert [(r["method"], r["path"], r["status"], r["code"]) for r in rows] == [
        ("POST", T2V, 200, 0),
        ("GET", f"{T2V}/{task_id}", 200, 0),
        ("POST", T2V, 400, 1201),
    ]
    assert all(r["latency_ms"] >= 0 and "at_ms" in r for r in rows)
    errors = (await client.get("/__mock/journal/requests?code=1201")).json()["requests"]
    assert len(errors) == 1
    newer = (await client.get(f"/__mock/journal/requests?since_id={rows[1]['id']}")).json()
    assert [r["id"] for r in newer["requests"]] == [rows[2]["id"]]


@pytest.fixture
def remote_app(clock: ManualClock) -> Callable[..., Starlette]:
    def make(**settings: Any) -> Starlette:
        return create_app(Settings(**settings), clock=clock)

    return make


async def _call_from(
    app: Starlette, host: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(host, 4321))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        return await c.get("/__mock/health", headers=headers or {})


async def test_control_api_is_loopback_only_without_a_token(
    remote_app: Callable[..., Starlette],
) -> None:
    app = remote_app()
    assert (await _call_from(app, "127.0.0.1")).status_code == 200
    assert (await _call_from(app, "::1")).status_code == 200
    refused = await _call_from(app, "192.0.2.7")
    assert refused.status_code == 403 and "--control-token" in refused.json()["error"]


async def test_control_token_is_required_from_anywhere_when_set(
    remote_app: Callable[..., Starlette],
) -> None:
    app = remote_app(control_token="s3cret-token")
    assert (await _call_from(app, "127.0.0.1")).status_code == 401
    good = {"X-Kling-Mock-Token": "s3cret-token"}
    assert (await _call_from(app, "192.0.2.7", good)).status_code == 200
    bad = {"X-Kling-Mock-Token": "wrong"}
    assert (await _call_from(app, "192.0.2.7", bad)).status_code == 401


async def test_bad_control_bodies_are_400s(client: httpx.AsyncClient) -> None:
    raw = await client.post("/__mock/clock/advance", content=b"{not json")
    assert raw.status_code == 400 and raw.json() == {"error": "the body is not valid JSON"}
    listed = await client.post("/__mock/clock/advance", json=[1])
    assert listed.status_code == 400
    typed = await client.post("/__mock/clock/advance", json={"seconds": "ten"})
    assert typed.json() == {"error": "seconds: must be an integer or a number"}
