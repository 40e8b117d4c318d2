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
from mock_server.tasks.lifecycle import FAMILY_TIMINGS, TRANSITIONS, Lifecycle, StatusChange
from mock_server.tasks.model import Step, Task
from mock_server.tasks.store import InMemoryTaskStore
from mock_server.tasks.timings import Timing, Timings
from tests.conftest import FIXED_START_MS, ok


@pytest.fixture
def settings() -> Settings:
    """These tests are about the lifecycle: the fixtures' made-up ids (video_id, session_id,
    ...) are not looked up (references: tests/validation/test_references.py)."""
    return Settings(check_references=False)


pytestmark = pytest.mark.anyio
FAIL_MSG = "Failure to pass the risk control system"


def task_endpoints() -> list[str]:
    """Legacy task endpoints (queried at ``path/{id}``); the model-path design's lifecycle
    through ``/tasks`` is tests/model_path/test_endpoints.py's."""
    app = create_app(Settings(clock="manual"))
    endpoints = app.state.backend.registry.endpoints.values()
    return [e.id for e in endpoints if e.kind == "task" and e.queried_per_endpoint]


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


_TASK_IDS = itertools.count(100_000_000_000_000_000)


def _task(created_at: int = FIXED_START_MS) -> Task:
    return Task(
        task_id=str(next(_TASK_IDS)),
        account="a",
        endpoint="text2video",
        created_at=created_at,
        body={},
        base_url="http://x",
    )


def _started(
    lifecycle: Lifecycle, store: InMemoryTaskStore, family: str, failure_msg: str | None = None
) -> Task:
    task = lifecycle.plan(_task(), family, failure_msg)
    store.add(task)
    lifecycle.track(task)
    return task


def test_family_timings_and_speed_factor() -> None:
    clock, store = ManualClock(FIXED_START_MS), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {"ok": True}, speed=2.0)
    task = _started(lifecycle, store, "video")
    timing = FAMILY_TIMINGS["video"]
    clock.advance(timing.queued_s / 2 - 0.001)
    assert lifecycle.tick() == [] and store.by_id(task.task_id).status == "submitted"  # type: ignore[union-attr]
    clock.advance(0.001)
    assert [c.new for c in lifecycle.tick()] == ["processing"]
    clock.advance(timing.running_s / 2)
    changes = lifecycle.tick()
    assert [(c.old, c.new) for c in changes] == [("processing", "succeed")]
    done = store.by_id(task.task_id)
    assert done is not None and done.result == {"ok": True}
    assert done.updated_at == task.created_at + round((timing.queued_s + timing.running_s) * 500)
    assert task.status == "submitted"  # the value handed out earlier never changed


def test_listeners_hear_every_change_in_order_as_snapshots() -> None:
    clock, store = ManualClock(FIXED_START_MS), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {})
    heard: list[StatusChange] = []
    lifecycle.subscribe(heard.append)
    task = _started(lifecycle, store, "image", failure_msg="boom")
    clock.advance(3600)
    lifecycle.tick()
    assert [(c.old, c.new) for c in heard] == [
        (None, "submitted"),
        ("submitted", "processing"),
        ("processing", "failed"),
    ]
    assert [c.task.status for c in heard] == ["submitted", "processing", "failed"]
    assert heard[-1].task.status_msg == "boom"
    assert all((c.old, c.new) in TRANSITIONS for c in heard[1:])
    assert store.by_id(task.task_id) == heard[-1].task


def test_steer_finishes_fails_and_holds_a_task() -> None:
    clock, store = ManualClock(FIXED_START_MS), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {"done": True})
    now = clock.now_ms()
    held = _started(lifecycle, store, "video")
    lifecycle.steer(held.task_id, [Step("processing", now), Step("succeed")])  # hold processing
    clock.advance(3600)
    lifecycle.tick()
    assert store.by_id(held.task_id).status == "processing"  # type: ignore[union-attr]
    done = lifecycle.steer(held.task_id, [Step("succeed", 0)])
    assert done.status == "succeed" and done.result == {"done": True}
    failed = _started(lifecycle, store, "video")
    out = lifecycle.steer(
        failed.task_id, [Step("processing", 0), Step("failed", 0, message="risk control")]
    )
    assert (out.status, out.status_msg) == ("failed", "risk control")
    with pytest.raises(ValueError, match="already ended"):
        lifecycle.steer(failed.task_id, [Step("succeed", 0)])
    other = _started(lifecycle, store, "video")
    with pytest.raises(ValueError, match="cannot go from submitted to succeed"):
        lifecycle.steer(other.task_id, [Step("succeed", 0)])


def test_poll_driven_timeline() -> None:
    """'processing after 2 polls, then failed': the 2nd poll still sees submitted."""
    clock, store = ManualClock(FIXED_START_MS), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {})
    task = _started(lifecycle, store, "video")
    lifecycle.steer(
        task.task_id,
        [Step("processing", after_polls=2), Step("failed", after_polls=1, message="late")],
    )
    seen = []
    for _ in range(4):
        lifecycle.tick()
        current = store.by_id(task.task_id)
        assert current is not None
        seen.append(lifecycle.polled(current).status)
    assert seen == ["submitted", "submitted", "processing", "failed"]


def test_timings_override_and_unset() -> None:
    timings = Timings()
    default = timings.get("video")
    timings.set("video", Timing(0, 1))
    assert timings.get("video") == Timing(0, 1)
    assert timings.describe()["video"]["source"] == "override"
    timings.unset("video")
    assert timings.get("video") == default
    with pytest.raises(KeyError):
        timings.set("nope", Timing(1, 1))
    with pytest.raises(ValueError):
        Timing(-1, 1)


def test_next_due_skips_replaced_plans() -> None:
    clock, store = ManualClock(FIXED_START_MS), InMemoryTaskStore()
    lifecycle = Lifecycle(clock, store, finish=lambda t: {})
    task = _started(lifecycle, store, "video")
    assert lifecycle.next_due_ms() == task.plan[0].at_ms
    lifecycle.steer(task.task_id, [Step("processing"), Step("succeed")])  # held: no time
    assert lifecycle.next_due_ms() is None


def test_lifecycle_rejects_a_non_positive_speed() -> None:
    with pytest.raises(ValueError):
        Lifecycle(ManualClock(), InMemoryTaskStore(), finish=lambda t: {}, speed=0)


async def test_fail_rate_is_seeded_and_reproducible(
    clock: ManualClock, auth: dict[str, str], make_client: Any
) -> None:
    async def outcomes() -> list[str]:
        local = ManualClock()
        app = create_app(Settings(fail_rate=0.5, seed=7, concurrency="off"), clock=local)
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
