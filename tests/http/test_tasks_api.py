"""Create, query single (by task_id or external_task_id) and list, with Kling's wire details."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from mock_server import ManualClock
from tests.conftest import ok

pytestmark = pytest.mark.anyio
T2V = "/v1/videos/text2video"


async def test_create_response_has_kling_wire_format(client: httpx.AsyncClient) -> None:
    response = await client.post(T2V, json={"prompt": "a fox", "external_task_id": "fox-1"})
    body = response.json()
    assert body["message"] == "SUCCEED" and body["code"] == 0
    uuid.UUID(body["request_id"])
    data = body["data"]
    assert re.fullmatch(r"[0-9]{18}", data["task_id"])
    assert data["task_status"] == "submitted"
    assert data["task_info"] == {"external_task_id": "fox-1"}
    assert isinstance(data["created_at"], int) and data["created_at"] == data["updated_at"]
    assert set(data) == {"task_id", "task_status", "task_info", "created_at", "updated_at"}


async def test_no_external_id_gives_empty_task_info(client: httpx.AsyncClient) -> None:
    assert ok(await client.post(T2V, json={"prompt": "x"}))["task_info"] == {}
    assert (
        ok(await client.post(T2V, json={"prompt": "x", "external_task_id": ""}))["task_info"] == {}
    )


async def test_query_by_task_id_and_by_external_id(client: httpx.AsyncClient) -> None:
    created = ok(await client.post(T2V, json={"prompt": "x", "external_task_id": "ext-7"}))
    by_id = ok(await client.get(f"{T2V}/{created['task_id']}"))
    by_ext = ok(await client.get(f"{T2V}/ext-7"))
    assert by_id == by_ext
    assert by_id["task_status_msg"] == "" and by_id["task_result"] == {}


async def test_unknown_task_returns_1201_as_live(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{T2V}/123456789012345678")
    assert response.status_code == 400 and response.json()["code"] == 1201
    # the documented 404/1203: tests/http/test_live_answers.py


async def test_task_of_another_endpoint_is_not_found(client: httpx.AsyncClient) -> None:
    created = ok(await client.post(T2V, json={"prompt": "x"}))
    response = await client.get(f"/v1/videos/image2video/{created['task_id']}")
    assert response.json()["message"] == f"Task not found by id/external id: {created['task_id']}"


async def test_external_id_lookup_is_off_where_docs_give_only_task_id(
    client: httpx.AsyncClient,
) -> None:
    path = "/v1/general/ai-multi-shot"
    created = ok(
        await client.post(
            path,
            json={"element_frontal_image": "https://e.com/a.png", "external_task_id": "shot-1"},
        )
    )
    assert ok(await client.get(f"{path}/{created['task_id']}"))["task_info"] == {
        "external_task_id": "shot-1"
    }
    not_found = (await client.get(f"{path}/shot-1")).json()
    assert not_found["message"] == "Task not found by id/external id: shot-1"


async def test_duplicate_external_id_returns_1201(client: httpx.AsyncClient) -> None:
    ok(await client.post(T2V, json={"prompt": "x", "external_task_id": "dup"}))
    response = await client.post(
        "/v1/images/generations", json={"prompt": "x", "external_task_id": "dup"}
    )
    body = response.json()
    assert response.status_code == 400 and body["code"] == 1201
    assert body["message"] == "External_task_id dup already exists"


async def test_list_is_newest_first_and_paged(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    ids = []
    for i in range(5):
        ids.append(ok(await client.post(T2V, json={"prompt": f"p{i}"}))["task_id"])
        clock.advance(1)
    page1 = ok(await client.get(T2V, params={"pageNum": 1, "pageSize": 2}))
    page3 = ok(await client.get(T2V, params={"pageNum": 3, "pageSize": 2}))
    assert [t["task_id"] for t in page1] == ids[::-1][:2]
    assert [t["task_id"] for t in page3] == ids[:1]
    assert ok(await client.get(T2V, params={"pageNum": 4, "pageSize": 2})) == []
    assert len(ok(await client.get(T2V))) == 5  # defaults pageNum=1, pageSize=30
    single = ok(await client.get(f"{T2V}/{ids[0]}"))
    assert page3[0] == single


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageNum": 0}, "pageNum"),
        ({"pageNum": 1001}, "pageNum"),
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 501}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"pageNum": "1.5"}, "pageNum"),
    ],
)
async def test_list_paging_bounds_return_1201(
    client: httpx.AsyncClient, params: dict[str, object], field: str
) -> None:
    response = await client.get(T2V, params=params)
    body = response.json()
    assert response.status_code == 400 and body["code"] == 1201
    assert body["message"].startswith(f"{field}:")


async def test_voice_lists_allow_page_size_1000(client: httpx.AsyncClient) -> None:
    ok(await client.get("/v1/general/custom-voices", params={"pageSize": 1000}))
    ok(await client.get("/v1/general/presets-voices", params={"pageSize": 1000}))
    assert (await client.get("/v1/general/custom-voices", params={"pageSize": 1001})).json()[
        "code"
    ] == 1201
    assert (await client.get("/v1/images/generations", params={"pageSize": 1000})).json()[
        "code"
    ] == 1201


async def test_timestamps_follow_the_clock_and_never_go_back(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    created = ok(await client.post(T2V, json={"prompt": "x"}))
    assert created["created_at"] == clock.now_ms()
    clock.advance(100)
    later = ok(await client.get(f"{T2V}/{created['task_id']}"))
    assert later["task_status"] == "succeed"
    assert created["created_at"] < later["updated_at"] <= clock.now_ms()
    clock.advance(100)
    assert ok(await client.get(f"{T2V}/{created['task_id']}"))["updated_at"] == later["updated_at"]


async def test_content_type_json_on_get_is_fine(client: httpx.AsyncClient) -> None:
    ok(await client.get(T2V, headers={"Content-Type": "application/json"}))
