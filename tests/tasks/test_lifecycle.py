"""The lifecycle on the manual clock: submitted -> processing -> succeed | failed, for every
async endpoint, with monotonic timestamps and results that match their schemas."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mock_server import ManualClock, Settings, create_app
from mock_server.backend import Backend
from mock_server.examples import first_valid
from mock_server.spec.registry import Endpoint
from mock_server.tasks.clock import DEFAULT_MANUAL_START_MS
from mock_server.tasks.lifecycle import FAMILY_TIMINGS, TRANSITIONS, Lifecycle
from mock_server.tasks.model import Task
from mock_server.tasks.store import InMemoryTaskStore
from tests.conftest import ok

pytestmark = pytest.mark.anyio
FAIL_MSG = "Failure to pass the risk control system"


def task_endpoints() -> list[str]:
    app = create_app(Settings(clock="manual"))
    return [e.id for e in app.state.backend.registry.endpoints.values() if e.kind == "task"]


def check(schema: dict[str, Any], backend: Backend, instance: Any) -> None:
    validator = Draft202012Validator(schema, registry=backend.registry.spec.registry)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


async def walk(
    client: httpx.AsyncClient, clock: ManualClock, ep: Endpoint, body: dict[str, Any]
) -> list[dict[str, Any]]:
    created = ok(await client.post(ep.path, json=body))
    seen = [ok(await client.get(f"{ep.path}/{created['task_id']}"))]
    for _ in range(40):
        if seen[-1]["task_status"] in ("succeed", "failed"):
            break
        clock.advance(0.5)
        seen.append(ok(await client.get(f"{ep.path}/{created['task_id']}")))
    return seen


@pytest.mark.parametrize("kind", ["minimal", "maximal"])
@pytest.mark.parametrize("endpoint", task_endpoints())
async def test_task_reaches_succeed_in_order(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend, endpoint: str, kind: str
) -> None:
    ep = backend.registry.endpoints[endpoint]
    seen = await walk(client, clock, ep, first_valid(endpoint, kind))
    statuses = [s["task_status"] for s in seen]
    assert statuses[0] == "submitted" and statuses[-1] == "succeed", statuses
    assert "processing" in statuses
    order = {"submitted": 0, "processing": 1, "succeed": 2}
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    assert all(a["updated_at"] <= b["updated_at"] for a, b in itertools.pairwise(seen))
    final = seen[-1]
    assert final["task_status_msg"] == ""
    assert final["created_at"] < final["updated_at"]
    get_op = next(op for op in backend.registry if op.op_id == f"{endpoint}.get")
    check(get_op.data_schema, backend, final)
    for earlier in seen[:-1]:
        assert earlier["task_result"] == {}
        assert earlier["final_unit_deduction"] == "0"


@pytest.mark.parametrize("endpoint", task_endpoints())
async def test_marker_makes_task_fail_with_documented_message(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend, endpoint: str
) -> None:
    ep = backend.registry.endpoints[endpoint]
    body = {**first_valid(endpoint), "external_task_id": "kling-mock:fail-moderation"}
    final = (await walk(client, clock, ep, body))[-1]
    assert final["task_status"] == "failed"
    assert final["task_status_msg"] == FAIL_MSG
    assert final["task_result"] == {}
    assert final["final_unit_deduction"] == "0"


def _task(created_at: int = DEFAULT_MANUAL_START_MS) -> Task:
    return Task(
        task_id="1" * 18,
        account="a",
        endpoint="text2video",
        created_at=created_at,
        body={},
        base_url="http://x",
    )


def test_family_timings_and_speed_factor() -> None:
    clock, store = ManualClock(), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {"ok": True}, speed=2.0)
    task = _task()
    store.add(task)
    lifecycle.start(task, "video")
    timing = FAMILY_TIMINGS["video"]
    clock.advance(timing.queued_s / 2 - 0.001)
    assert lifecycle.tick() == [] and task.status == "submitted"
    clock.advance(0.001)
    assert [c.new for c in lifecycle.tick()] == ["processing"]
    clock.advance(timing.running_s / 2)
    changes = lifecycle.tick()
    assert [(c.old, c.new) for c in changes] == [("processing", "succeed")]
    assert task.result == {"ok": True}
    assert task.updated_at == task.created_at + round((timing.queued_s + timing.running_s) * 500)


def test_listeners_hear_every_change_in_order() -> None:
    clock, store = ManualClock(), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {})
    heard: list[tuple[str | None, str]] = []
    lifecycle.subscribe(lambda change: heard.append((change.old, change.new)))
    task = _task()
    store.add(task)
    lifecycle.start(task, "image", failure_msg="boom")
    clock.advance(3600)
    lifecycle.tick()
    assert heard == [(None, "submitted"), ("submitted", "processing"), ("processing", "failed")]
    assert task.status_msg == "boom"
    assert all(pair in TRANSITIONS for pair in heard[1:])


def test_lifecycle_rejects_a_non_positive_speed() -> None:
    with pytest.raises(ValueError):
        Lifecycle(ManualClock(), InMemoryTaskStore(), finish=lambda t: {}, speed=0)


async def test_fail_rate_is_seeded_and_reproducible(
    clock: ManualClock, auth: dict[str, str], make_client: Any
) -> None:
    async def outcomes() -> list[str]:
        local = ManualClock()
        app = create_app(Settings(fail_rate=0.5, seed=7), clock=local)
        async with make_client(app, auth) as c:
            ids = [
                ok(await c.post("/v1/images/generations", json={"prompt": f"p{i}"}))["task_id"]
                for i in range(12)
            ]
            local.advance(60)
            return [ok(await c.get(f"/v1/images/generations/{i}"))["task_status"] for i in ids]

    first, second = await outcomes(), await outcomes()
    assert first == second
    assert {"succeed", "failed"} <= set(first)
