"""``--max-tasks``: past the cap each new task evicts the oldest finished one, with the media
issued for it; running tasks stay; `/tasks` cursor positions never move."""

from __future__ import annotations

import pytest

from mock_server import ManualClock, Settings
from mock_server.tasks.model import Task
from mock_server.tasks.store import InMemoryTaskStore
from tests.conftest import ok
from tests.model_path.helpers import served

T2V = "/v1/videos/text2video"


def _task(n: int, *, status: str = "succeed", account: str = "a") -> Task:
    return Task(
        task_id=f"{n:018d}",
        account=account,
        endpoint="text2video",
        created_at=n,
        body={},
        base_url="http://x",
        external_task_id=f"ext-{n}",
        status=status,  # type: ignore[arg-type]
    )


def test_the_oldest_finished_task_goes_with_its_records() -> None:
    store = InMemoryTaskStore(max_tasks=3)
    for n in (1, 2, 3):
        store.add(_task(n))
        store.put_record("media", "", f"file-{n}", {"n": n}, owner=f"{n:018d}")
    store.put_record("media", "", "catalogue", {"n": 0})  # no owner: never evicted
    store.add(_task(4))
    assert store.by_id(f"{1:018d}") is None
    assert store.by_external("a", "ext-1") is None and not store.external_taken("a", "ext-1")
    assert store.get_record("media", "", "file-1") is None
    assert store.get_record("media", "", "file-2") == {"n": 2}
    assert store.get_record("media", "", "catalogue") == {"n": 0}
    assert [t.created_at for t in store.tasks()] == [2, 3, 4]
    assert [t.created_at for t in store.page("a", "text2video", 1, 10)] == [4, 3, 2]
    assert store.evicted == 1


def test_running_tasks_are_never_evicted() -> None:
    store = InMemoryTaskStore(max_tasks=2)
    store.add(_task(1, status="processing"))
    store.add(_task(2, status="submitted"))
    store.add(_task(3, status="submitted"))
    assert len(store.tasks()) == 3  # over the cap, but nothing has finished
    store.update(_task(2, status="failed"))
    store.add(_task(4))
    assert [t.created_at for t in store.tasks()] == [1, 3, 4]  # 2 went; 1 kept its place
    assert store.by_id(f"{1:018d}") is not None


def test_no_cap_keeps_everything() -> None:
    store = InMemoryTaskStore()
    for n in range(1, 2001):
        store.add(_task(n))
    assert len(store.tasks()) == 2000 and store.evicted == 0


def test_cursor_positions_survive_eviction_and_compaction() -> None:
    """Positions are what a /tasks cursor stores; they must name the same task after the
    oldest were evicted and the log compacted (over 1024 dead entries)."""
    store = InMemoryTaskStore(max_tasks=500)
    for n in range(1, 601):
        store.add(_task(n))
    before = {t.created_at: pos for pos, t in store.newest_first("a", start_ms=0, end_ms=10**9)}
    for n in range(601, 3001):
        store.add(_task(n))
    after = {t.created_at: pos for pos, t in store.newest_first("a", start_ms=0, end_ms=10**9)}
    assert sorted(after) == list(range(2501, 3001))
    assert all(after[n] == n - 1 for n in after)  # position = creation order, from 0
    assert before[600] == 599
    page = [t.created_at for _, t in store.newest_first("a", start_ms=0, end_ms=10**9, before=2600)]
    assert page == list(range(2600, 2500, -1))
    window = [t.created_at for _, t in store.newest_first("a", start_ms=2900, end_ms=2950)]
    assert window == list(range(2950, 2899, -1))
    assert [t.created_at for t in store.page("a", "text2video", 2, 100)] == list(
        range(2900, 2800, -1)
    )


@pytest.mark.anyio
async def test_an_evicted_task_is_not_found_and_its_media_are_gone() -> None:
    clock = ManualClock()
    async with served(clock, max_tasks=2, seed=1) as (client, backend, _):
        first = ok(await client.post(T2V, json={"prompt": "a fox"}))["task_id"]
        clock.advance(3600)
        done = ok(await client.get(f"{T2V}/{first}"))
        assert done["task_status"] == "succeed"
        url = done["task_result"]["videos"][0]["url"]
        assert (await client.get(url)).status_code == 200
        for _ in range(2):
            ok(await client.post(T2V, json={"prompt": "a fox"}))
        gone = await client.get(f"{T2V}/{first}")
        assert gone.status_code == 400 and gone.json()["code"] == 1201  # live: not found
        assert (await client.get(url)).status_code == 404
        assert backend.store.evicted == 1


def test_the_cap_is_checked() -> None:
    with pytest.raises(ValueError, match="max-tasks must be 0"):
        Settings(max_tasks=-1).check()


@pytest.mark.parametrize("value", ["0", "250000"])
def test_the_cap_is_a_cli_option(value: str) -> None:
    from mock_server.cli import build_parser

    args = build_parser().parse_args(["serve", "--max-tasks", value])
    assert args.max_tasks == int(value)


@pytest.mark.anyio
async def test_an_evicted_tasks_video_can_no_longer_be_referenced() -> None:
    """Its video goes with it (x-kling-issues with_task): an extension of it is refused as
    for any unknown video, while a newer task's video still extends."""
    clock = ManualClock()
    async with served(clock, max_tasks=2, seed=1) as (client, _, _):
        made = []
        for _ in range(3):
            body = {"prompt": "a fox", "model_name": "kling-v1-6"}
            task_id = ok(await client.post(T2V, json=body))["task_id"]
            clock.advance(3600)
            done = ok(await client.get(f"{T2V}/{task_id}"))
            made.append(done["task_result"]["videos"][0]["id"])
        gone = await client.post("/v1/videos/video-extend", json={"video_id": made[0]})
        assert gone.status_code == 400 and gone.json()["code"] == 1201, gone.text
        assert made[0] in gone.json()["message"]
        ok(await client.post("/v1/videos/video-extend", json={"video_id": made[2]}))
