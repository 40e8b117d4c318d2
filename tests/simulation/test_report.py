"""The client-behaviour report names what a client did badly, with the tasks and requests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from tests.callbacks.helpers import Receiver
from tests.conftest import BASE_URL, ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"


def kinds(report: dict[str, Any], account: str = "mock-access-key") -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for finding in report["accounts"][account]["findings"]:
        found.setdefault(finding["kind"], []).append(finding)
    return found


async def test_a_patient_client_gets_a_clean_report(clock: ManualClock) -> None:
    app = create_app(Settings(), clock=clock)
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, headers={"Authorization": f"Bearer {token}"}
    ) as c:
        task_id = ok(await c.post(T2V, json={"prompt": "a", "external_task_id": "x1"}))["task_id"]
        for _ in range(4):
            clock.advance(3)
            await c.get(f"{T2V}/{task_id}")
        report = (await c.get("/__mock/report")).json()
    assert kinds(report) == {}
    t2v = report["accounts"]["mock-access-key"]["endpoints"]["text2video"]
    assert (t2v["creates"], t2v["polls"], t2v["tasks_polled"]) == (1, 4, 1)
    assert t2v["polls_per_task"] == 4 and t2v["shortest_poll_interval_ms"] == 3000


async def test_an_impatient_client_is_named(clock: ManualClock) -> None:
    app = create_app(Settings(concurrency="video=1"), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:

        def auth() -> dict[str, str]:  # a new token per request, as some clients do
            clock.advance(1.5)
            token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
            return {"Authorization": f"Bearer {token}"}

        first = ok(await c.post(T2V, json={"prompt": "same"}, headers=auth()))["task_id"]
        refused = await c.post(T2V, json={"prompt": "other"}, headers=auth())
        assert refused.status_code == 429
        retried = await c.post(T2V, json={"prompt": "other"}, headers=auth())  # 1.5 s later: ok
        await c.post(f"/__mock/tasks/{first}/finish")
        await c.post(T2V, json={"prompt": "retry-fast"}, headers=auth())
        again = await c.post(T2V, json={"prompt": "retry-fast"}, headers=auth())
        assert again.status_code == 429
        h = auth()
        await c.get(f"{T2V}/{first}", headers=h)
        await c.get(f"{T2V}/{first}", headers=h)  # same moment: too fast
        report = (await c.get("/__mock/report")).json()
    found = kinds(report)
    assert retried.status_code == 429  # the slot is still held by the first task
    assert found["fast-polling"][0]["tasks"] == [first]
    assert len(found["token-per-request"]) == 1
    assert "retry-without-backoff" not in found  # every retry here waited 1.5 s
    rows = {r["id"]: r for r in app.state.backend.journal.rows()}
    polls = found["fast-polling"][0]["requests"]
    assert all(rows[i]["task_ids"] == [first] for i in polls)


async def test_retry_without_backoff_and_duplicate_creates(clock: ManualClock) -> None:
    app = create_app(Settings(concurrency="video=1"), clock=clock)
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, headers={"Authorization": f"Bearer {token}"}
    ) as c:
        first = ok(await c.post(T2V, json={"prompt": "dup"}))["task_id"]
        refused = await c.post(T2V, json={"prompt": "next"})
        await c.post(T2V, json={"prompt": "next"})  # at once: no backoff
        await c.post(f"/__mock/tasks/{first}/finish")
        second = ok(await c.post(T2V, json={"prompt": "dup"}))["task_id"]
        report = (await c.get("/__mock/report")).json()
    found = kinds(report)
    assert refused.json()["code"] == 1303
    retry = found["retry-without-backoff"][0]
    assert "1303" in retry["message"] and len(retry["requests"]) == 2
    assert found["duplicate-create"][0]["tasks"] == [first, second]


async def test_task_never_polled_after_its_callback_was_lost(clock: ManualClock) -> None:
    receiver = Receiver()
    receiver.script["/hook"] = [500]
    settings = Settings(callback_attempts=1, callback_statuses="succeed")
    app = create_app(settings, clock=clock, callback_transport=receiver.transport())
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url=BASE_URL, headers={"Authorization": f"Bearer {token}"}
        ) as c,
    ):
        body = {"prompt": "x", "callback_url": "http://r.test/hook"}
        task_id = ok(await c.post(T2V, json=body))["task_id"]
        clock.advance(60)
        for _ in range(5):
            await asyncio.sleep(0)
        await app.state.backend.callbacks.idle()
        report = (await c.get("/__mock/report")).json()
    assert kinds(report)["never-polled-after-lost-callback"][0]["tasks"] == [task_id]
