"""results/rendered.py: a task's query form as cached JSON, never stale, bounded, and the same
bytes as rendering it afresh."""

from __future__ import annotations

import httpx
import orjson
import pytest

from mock_server import ManualClock
from mock_server.backend import Backend
from mock_server.http.envelope import KlingJSONResponse
from mock_server.results import render
from mock_server.results.rendered import RenderedTasks
from mock_server.tasks.model import Task
from tests.conftest import ok

T2V = "/v1/videos/text2video"
TASK = Task(
    task_id="1",
    account="a",
    endpoint="text2video",
    created_at=5,
    body={"prompt": "x", "watermark_info": {"enabled": True}},
    base_url="http://x",
)
DONE = TASK.replace(status="succeed", result={"videos": [{"id": "v", "url": "u"}]}, units="1")


def _fresh(tasks: list[Task], watermark: bool) -> bytes:
    return orjson.dumps([render.task_data(t, watermark_supported=watermark) for t in tasks])


@pytest.mark.parametrize("watermark", [True, False])
def test_a_page_is_the_bytes_a_fresh_rendering_gives(watermark: bool) -> None:
    cache = RenderedTasks()
    tasks = [TASK, DONE, DONE.replace(external_task_id="e", parent_video={"id": "p"})]
    for _ in range(2):  # filled, then served from the cache
        assert orjson.dumps(cache.page(tasks, watermark)) == _fresh(tasks, watermark)
    assert len(cache) == 3


def test_a_new_version_of_a_task_is_never_served_the_old_form() -> None:
    cache = RenderedTasks()
    cache.page([TASK], True)
    for changed in (TASK.replace(status="processing"), DONE, DONE.replace(updated_at=99)):
        assert orjson.dumps(cache.page([changed], True)) == _fresh([changed], True)
    assert orjson.dumps(cache.page([TASK], True)) == _fresh([TASK], True)  # the old one: its own
    assert orjson.dumps(cache.page([TASK], False)) == _fresh([TASK], False)  # the flag is keyed


def test_the_cache_is_bounded_and_drops_the_oldest_first() -> None:
    cache = RenderedTasks(size=3)
    tasks = [TASK.replace(task_id=str(i)) for i in range(5)]
    for task in tasks:
        cache.fragment(task, False)
    assert len(cache) == 3
    first = cache.fragment(tasks[4], False)
    assert cache.fragment(tasks[4], False) is first  # kept
    assert cache.fragment(tasks[0], False) is not None and len(cache) == 3  # rendered again


def test_a_task_orjson_refuses_makes_the_page_plain_dicts() -> None:
    cache = RenderedTasks()
    odd = TASK.replace(task_id="2", status_msg="bad \ud800")
    data = cache.page([DONE, odd], False)
    assert all(isinstance(d, dict) for d in data) and len(cache) == 1  # DONE only
    body = KlingJSONResponse({"data": data}).body
    assert orjson.loads(body)["data"][1]["task_status_msg"] == "bad \ufffd"


def test_only_finished_tasks_are_kept_for_a_query_by_id() -> None:
    cache = RenderedTasks()
    assert cache.one(TASK, True) == render.task_data(TASK, watermark_supported=True)
    assert len(cache) == 0  # a running task changes on every poll: not worth keeping
    assert orjson.dumps(cache.one(DONE, True)) == orjson.dumps(
        render.task_data(DONE, watermark_supported=True)
    )
    assert len(cache) == 1


@pytest.mark.anyio
async def test_a_listed_task_shows_its_new_status_once_it_changes(
    client: httpx.AsyncClient, clock: ManualClock, backend: Backend
) -> None:
    kept = len(backend.rendered)
    task_id = ok(await client.post(T2V, json={"prompt": "a fox"}))["task_id"]
    before = ok(await client.get(T2V))
    assert before == ok(await client.get(T2V))  # the second page comes from the cache
    assert before[0]["task_status"] == "submitted"
    clock.advance(100)
    [after] = ok(await client.get(T2V))
    assert after["task_status"] == "succeed" and after["task_result"]["videos"]
    assert after == ok(await client.get(f"{T2V}/{task_id}"))
    assert after == ok(await client.get(f"{T2V}/{task_id}"))  # finished: from the cache
    assert len(backend.rendered) == kept + 2  # the submitted and the finished versions
    backend.reset()
    assert len(backend.rendered) == 0  # a reset lets the old tasks' forms go
