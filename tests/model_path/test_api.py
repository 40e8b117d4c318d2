"""The model-path design over HTTP: API-key auth, the model in the path, the create reply,
the lifecycle seen through ``/tasks`` (``succeeded`` and ``failed``), one store shared with the
legacy design, billing from the price rules, media as long as ``settings.duration``, and
callbacks in this design's shape (new-design-api.md 1-9)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mock_server import ManualClock, Settings, create_app, mint_token
from mock_server.auth import API_KEY_ONLY
from mock_server.backend import Backend
from tests.callbacks.helpers import Receiver
from tests.conftest import BASE_URL, ok
from tests.results.lengths import length

pytestmark = pytest.mark.anyio
KEY = {"Authorization": "Bearer mock-api-key"}
T2V = "/text-to-video/kling-3.0"
HOOK = "http://receiver.test/hook"


@asynccontextmanager
async def served(
    clock: ManualClock, **settings: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Backend, Receiver]]:
    receiver = Receiver()
    app = create_app(Settings(**settings), clock=clock, callback_transport=receiver.transport())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=KEY) as client,
    ):
        yield client, app.state.backend, receiver


async def settle(backend: Backend) -> None:
    for _ in range(5):
        await asyncio.sleep(0)
    await backend.callbacks.idle()


def _jwt(clock: ManualClock) -> dict[str, str]:
    token = mint_token("mock-access-key", "mock-secret-key", clock.now_ms() / 1000)
    return {"Authorization": f"Bearer {token}"}


async def _tasks(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(await client.get("/tasks", params=params))
    return found


async def test_only_the_api_key_opens_the_design_and_it_opens_legacy_paths_too(
    clock: ManualClock,
) -> None:
    async with served(clock) as (client, _, _):
        for method, path, body in (
            ("POST", T2V, {"prompt": "fox"}),
            ("POST", "/tasks", {}),
            ("GET", "/tasks?task_ids=1", None),
        ):
            for headers in (_jwt(clock), {"Authorization": "Bearer wrong"}):
                response = await client.request(method, path, json=body, headers=headers)
                assert response.status_code == 401, path
                assert response.json() == {
                    "code": 1002,
                    "message": API_KEY_ONLY,
                    "request_id": response.json()["request_id"],
                }
            missing = await client.request(method, path, json=body, headers={"Authorization": ""})
            assert missing.json()["code"] == 1001
        legacy = await client.post("/v1/videos/text2video", json={"prompt": "fox"})
        assert legacy.json()["code"] == 0  # the API key works on legacy paths (1.2)
        legacy = await client.post(
            "/v1/videos/text2video", json={"prompt": "fox"}, headers=_jwt(clock)
        )
        assert legacy.json()["code"] == 0


async def test_a_model_the_path_does_not_serve_is_1203_and_the_path_takes_only_post(
    clock: ManualClock,
) -> None:
    async with served(clock) as (client, _, _):
        for path in ("/text-to-video/kling-9", "/omni-video/kling-3.0", "/motion-control/kling-o1"):
            response = await client.post(path, json={"prompt": "fox"})
            assert (response.status_code, response.json()["code"]) == (404, 1203), path
            assert path.rsplit("/", 1)[1] in response.json()["message"]
        refused = await client.post("/text-to-video/kling-9", json={}, headers=_jwt(clock))
        assert refused.json()["code"] == 1002  # the caller is checked first
        wrong_method = await client.get(T2V)
        # Kling's 1202 (its HTTP status from the code table), with an Allow header
        assert wrong_method.json()["code"] == 1202 and wrong_method.headers["allow"] == "POST"


async def test_create_reply_then_lifecycle_to_succeeded_through_tasks(clock: ManualClock) -> None:
    async with served(clock) as (client, _, _):
        body = {
            "prompt": "shot 1, 3, a fox; shot 2, 4, a hare;",
            "settings": {"duration": 7, "resolution": "1080p", "audio": "native"},
            "options": {"external_task_id": "ext-1", "watermark_info": {"enabled": True}},
        }
        created = ok(await client.post(T2V, json=body))
        assert list(created) == ["id", "status", "create_time", "update_time", "external_id"]
        assert created["status"] == "submitted" and created["id"].isdigit()
        assert created["external_id"] == "ext-1"
        plain = ok(await client.post(T2V, json={"prompt": "no external id"}))
        assert "external_id" not in plain  # "(if any)" (4)
        seen = []
        for _ in range(40):
            (task,) = await _tasks(client, task_ids=created["id"])
            seen.append(task["status"])
            if task["status"] in ("succeeded", "failed"):
                break
            clock.advance(5)
        assert seen[0] == "submitted" and seen[-1] == "succeeded" and "processing" in seen
        assert list(task) == [
            "id",
            "status",
            "message",
            "create_time",
            "update_time",
            "external_id",
            "outputs",
            "billing",
        ]
        assert task["message"] == "" and task["update_time"] > task["create_time"]
        (video,) = task["outputs"]
        assert video["type"] == "video" and video["duration"] == "7.1"
        assert "watermark_url" in video
        # 3.0, 1080p, native audio: 1.2 units a second (live-behaviour.md B.2)
        assert task["billing"] == [
            {"charge_type": "unit", "amount": "8.4", "package_type": "video"}
        ]
        media = await client.get(video["url"])
        assert media.headers["content-type"] == "video/mp4"
        assert abs(length(media.content, "video/mp4") - 7.1) < 0.05
        (by_external,) = await _tasks(client, external_task_ids="ext-1")
        assert by_external == task
        again = await client.post(T2V, json=body)
        assert again.json()["message"] == "External_task_id ext-1 already exists"


async def test_a_failed_task_carries_its_reason_and_no_outputs_or_billing(
    clock: ManualClock,
) -> None:
    async with served(clock) as (client, _, _):
        created = ok(await client.post(T2V, json={"prompt": "fox kling-mock:fail"}))
        clock.advance(3600)
        (task,) = await _tasks(client, task_ids=created["id"])
        assert task["status"] == "failed"
        assert task["message"] == "Failure to pass the risk control system"
        assert task["outputs"] == [] and task["billing"] == []


async def test_tasks_by_id_leaves_out_unknown_and_foreign_ids_and_caps_at_20(
    clock: ManualClock,
) -> None:
    async with served(clock) as (client, _, _):
        first = ok(await client.post(T2V, json={"prompt": "a"}))["id"]
        second = ok(
            await client.post(T2V, json={"prompt": "b", "options": {"external_task_id": "x2"}})
        )["id"]
        assert await _tasks(client, task_ids="123456789") == []
        found = await _tasks(
            client, task_ids=f"{second},999,{first},{second}", external_task_ids="x2,nope"
        )
        assert [t["id"] for t in found] == [second, first]  # as asked, each once
        twenty = ",".join([first] * 20)
        assert len(await _tasks(client, task_ids=twenty)) == 1
        over = await client.get("/tasks", params={"task_ids": twenty, "external_task_ids": "x2"})
        assert over.status_code == 400
        assert over.json()["message"] == "task_ids and external_task_ids cannot exceed 20 in total"
        neither = await client.get("/tasks")
        assert neither.json()["code"] == 1201
        # the new task is not a legacy task: the legacy query path does not know it (9, guess)
        legacy = await client.get(f"/v1/videos/text2video/{first}", headers=_jwt(clock))
        assert legacy.json()["code"] != 0


async def test_legacy_tasks_show_in_tasks_in_this_design_shape(clock: ManualClock) -> None:
    async with served(clock) as (client, _, _):
        legacy = _jwt(clock)
        image = ok(
            await client.post(
                "/v1/images/generations", json={"prompt": "cat", "n": 2}, headers=legacy
            )
        )
        video = ok(
            await client.post("/v1/videos/text2video", json={"prompt": "fox"}, headers=legacy)
        )
        clock.advance(3600)
        found = {
            t["id"]: t
            for t in await _tasks(client, task_ids=f"{image['task_id']},{video['task_id']}")
        }
        shown = found[image["task_id"]]
        assert shown["status"] == "succeeded"
        assert [o["type"] for o in shown["outputs"]] == ["image", "image"]
        assert all("index" not in o and "id" not in o for o in shown["outputs"])
        assert shown["billing"][0]["package_type"] == "image"
        legacy_view = ok(
            await client.get(f"/v1/images/generations/{image['task_id']}", headers=_jwt(clock))
        )
        assert shown["billing"][0]["amount"] == legacy_view["final_unit_deduction"]
        assert found[video["task_id"]]["outputs"][0]["type"] == "video"
        page = ok(
            await client.post(
                "/tasks", json={"filters": [{"key": "product_type", "values": ["image"]}]}
            )
        )
        assert [t["id"] for t in page["result"]] == [image["task_id"]]


async def test_callbacks_carry_the_bare_task_object_of_this_design(clock: ManualClock) -> None:
    async with served(clock) as (client, backend, receiver):
        body = {"prompt": "fox", "options": {"callback_url": HOOK, "external_task_id": "cb-1"}}
        created = ok(await client.post(T2V, json=body))
        await settle(backend)
        clock.advance(3600)
        await settle(backend)
        bodies = receiver.bodies("/hook")
        assert [b["status"] for b in bodies] == ["submitted", "processing", "succeeded"]
        assert all(b["id"] == created["id"] and b["external_id"] == "cb-1" for b in bodies)
        assert "code" not in bodies[-1] and "task_status" not in bodies[-1]
        (queried,) = await _tasks(client, task_ids=created["id"])
        assert bodies[-1] == queried  # videos have no element materials to spell differently


def _preload(backend: Backend, count: int, start_ms: int) -> list[str]:
    """``count`` tasks straight into the store, 1 s apart (the store, not HTTP: see issue 13)."""
    from mock_server.tasks.model import Task

    ids = []
    endpoints = ["text-to-video-kling-3-0", "image-generations"]
    for n in range(count):
        task = Task(
            task_id=str(10**17 + n),
            account="mock-access-key",
            endpoint=endpoints[n % 2],
            created_at=start_ms + n * 1000,
            body={},
            base_url=BASE_URL,
            status="succeed" if n % 3 else "failed",
            status_msg="" if n % 3 else "Failure to pass the risk control system",
        )
        backend.store.add(task)
        ids.append(task.task_id)
    return ids


async def test_cursor_pages_cover_thousands_of_tasks_once_newest_first(clock: ManualClock) -> None:
    async with served(clock) as (client, backend, _):
        start = clock.now_ms() - 3_000_000
        ids = _preload(backend, 3000, start)
        seen: list[str] = []
        cursor = ""
        pages = 0
        while True:
            body: dict[str, Any] = {"limit": 500, "cursor": cursor} if cursor else {"limit": 500}
            page = ok(await client.post("/tasks", json=body))
            pages += 1
            assert page["count"] == len(page["result"]) <= 500
            seen += [t["id"] for t in page["result"]]
            if not page["has_more"]:
                assert page["next_cursor"] == ""
                break
            cursor = page["next_cursor"]
        assert pages == 6 and seen == list(reversed(ids))
        default = ok(await client.post("/tasks", json={}))
        assert default["count"] == 100  # limit defaults to 100 (5.2)
        window = ok(
            await client.post(
                "/tasks",
                json={
                    "start_time": start + 10_000,
                    "end_time": str(start + 19_000),
                    "limit": 500,
                },
            )
        )
        assert [t["id"] for t in window["result"]] == list(reversed(ids[10:20]))
        failed_videos = ok(
            await client.post(
                "/tasks",
                json={
                    "limit": 500,
                    "filters": [
                        {"key": "status", "values": ["failed"]},
                        {"key": "product_type", "values": ["video"]},
                    ],
                },
            )
        )
        expected = [i for n, i in enumerate(ids) if n % 3 == 0 and n % 2 == 0][::-1][:500]
        assert [t["id"] for t in failed_videos["result"]] == expected
        assert all(t["status"] == "failed" for t in failed_videos["result"])
        for bad in ("not-a-cursor", "WzEsMiwtMV0"):  # garbage; a negative position
            refused = await client.post("/tasks", json={"cursor": bad})
            assert refused.json()["code"] == 1201 and "cursor" in refused.json()["message"]
        for bad_body in (
            {"limit": 0},
            {"limit": 501},
            {"start_time": 5, "end_time": 4},
            {"filters": [{"key": "status", "values": ["succeed"]}]},
        ):
            assert (await client.post("/tasks", json=bad_body)).json()["code"] == 1201, bad_body


async def test_other_accounts_never_see_each_others_tasks(
    clock: ManualClock, tmp_path: Any
) -> None:
    accounts = {
        "accounts": [
            {"access_key": "a", "secret_key": "sa", "api_keys": ["key-a"]},
            {"access_key": "b", "secret_key": "sb", "api_keys": ["key-b"]},
        ]
    }
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps(accounts))
    async with served(clock, accounts_file=path) as (client, _, _):
        mine = ok(
            await client.post(T2V, json={"prompt": "a"}, headers={"Authorization": "Bearer key-a"})
        )
        other = {"Authorization": "Bearer key-b"}
        assert ok(await client.get("/tasks", params={"task_ids": mine["id"]}, headers=other)) == []
        assert ok(await client.post("/tasks", json={}, headers=other))["result"] == []


async def test_element_and_voice_ids_must_name_real_objects_of_the_account(
    clock: ManualClock,
) -> None:
    """``contents[].element_id`` / ``voice_id`` are references like the legacy ones: a preset or
    an object this account made (here an element made through the legacy API), else 1201."""
    async with served(clock) as (client, _, _):
        frame = {"type": "first_frame", "url": "https://e.com/a.png"}
        prompt = {"type": "prompt", "text": "@hero walks"}

        def body(element_id: str) -> dict[str, Any]:
            element = {"type": "element", "element_id": element_id, "id": "hero"}
            return {"contents": [prompt, frame, element]}

        unknown = await client.post("/image-to-video/kling-3.0", json=body("999999999"))
        assert unknown.status_code == 400
        assert unknown.json()["message"] == "Element id not found: 999999999"
        assert ok(await client.post("/image-to-video/kling-3.0", json=body("160")))  # a preset
        images = {
            "frontal_image": "https://e.com/f.png",
            "refer_images": [{"image_url": "https://e.com/r.png"}],
        }
        legacy = {
            "element_name": "hero",
            "element_description": "d",
            "reference_type": "image_refer",
            "element_image_list": images,
        }
        made = ok(await client.post("/v1/general/advanced-custom-elements", json=legacy))
        clock.advance(3600)
        (task,) = await _tasks(client, task_ids=made["task_id"])
        (element,) = task["outputs"]
        assert element["type"] == "element" and element["element_type"] == "multi_image_elements"
        assert [m["role"] for m in element["references"]] == ["frontal", "reference"]
        assert ok(await client.post("/image-to-video/kling-3.0", json=body(element["id"])))
        voice = {"type": "voice", "voice_id": "nobody", "id": "1"}
        refused = await client.post(
            "/image-to-video/kling-2.6",
            json={
                "contents": [{"type": "prompt", "text": "@1 says hi"}, frame, voice],
                "settings": {"audio": "native", "resolution": "1080p"},
            },
        )
        assert (refused.json()["code"], refused.json()["message"]) == (1201, "Voice id not found")


async def test_openapi_lists_the_design_with_its_own_credential(clock: ManualClock) -> None:
    async with served(clock) as (client, backend, _):
        document = ok_json(await client.get("/openapi.json"))
        model_paths = {
            ep.path for ep in backend.registry.endpoints.values() if ep.design.name != "legacy"
        }
        assert model_paths <= set(document["paths"])
        assert set(document["paths"]["/tasks"]) == {"get", "post"}
        for path in model_paths:
            for operation in document["paths"][path].values():
                assert operation["security"] == [{"apiKeyAuth": []}], path
        legacy = document["paths"]["/v1/videos/text2video"]["post"]
        assert "security" not in legacy and document["security"] == [{"bearerAuth": []}]


def ok_json(response: httpx.Response) -> Any:
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    ("path", "kinds", "refer_images", "video", "refused"),
    [
        # O1 takes multi-image elements only (3.3); preset 163 is a video character
        ("/omni-video/kling-o1", ["163"], 0, False, "multi-image elements only"),
        ("/omni-video/kling-o1", ["160", "161"], 2, False, None),
        ("/omni-video/kling-o1", ["160", "161"], 3, True, "at most 4"),
        # 3.0 Omni without a reference video: characters <= 3, images <= 4 beside them, else 7
        ("/omni-video/kling-3.0-omni", ["163", "160", "161", "162"], 1, False, None),
        ("/omni-video/kling-3.0-omni", ["163", "160", "161", "162"], 2, False, "at most 4"),
        ("/omni-video/kling-3.0-omni", ["160", "161", "162"], 4, False, None),
        # with a reference video: one character, alone
        ("/omni-video/kling-3.0-omni", ["163"], 0, True, None),
        ("/omni-video/kling-3.0-omni", ["163", "160"], 0, True, "cannot be combined"),
        ("/omni-video/kling-3.0-omni", ["163"], 1, True, "cannot be combined"),
    ],
)
async def test_omni_limits_by_element_kind(
    clock: ManualClock,
    path: str,
    kinds: list[str],
    refer_images: int,
    video: bool,
    refused: str | None,
) -> None:
    contents: list[dict[str, Any]] = [{"type": "prompt", "text": "a scene"}]
    contents += [
        {"type": "element", "element_id": element_id, "id": f"e{n}"}
        for n, element_id in enumerate(kinds)
    ]
    contents += [
        {"type": "refer_image", "url": f"https://e.com/{n}.png"} for n in range(refer_images)
    ]
    if video:
        contents.append({"type": "base_video", "url": "https://e.com/v.mp4"})
    body = {"contents": contents, "settings": {"audio": "off"}}
    async with served(clock) as (client, _, _):
        answer = (await client.post(path, json=body)).json()
    if refused is None:
        assert answer["code"] == 0, answer
    else:
        assert answer["code"] == 1201 and refused in answer["message"], answer


async def test_an_element_the_account_made_counts_by_its_own_kind(clock: ManualClock) -> None:
    async with served(clock) as (client, _, _):
        legacy = {
            "element_name": "walker",
            "element_description": "d",
            "reference_type": "video_refer",
            "element_video_list": {"refer_videos": [{"video_url": "https://e.com/w.mp4"}]},
        }
        made = ok(await client.post("/v1/general/advanced-custom-elements", json=legacy))
        clock.advance(3600)
        (task,) = await _tasks(client, task_ids=made["task_id"])
        element_id = task["outputs"][0]["id"]
        body = {
            "contents": [
                {"type": "prompt", "text": "@w walks"},
                {"type": "element", "element_id": element_id, "id": "w"},
            ]
        }
        refused = (await client.post("/omni-video/kling-o1", json=body)).json()
        assert refused["code"] == 1201 and "multi-image elements only" in refused["message"]
        assert ok(await client.post("/omni-video/kling-3.0-omni", json=body))
