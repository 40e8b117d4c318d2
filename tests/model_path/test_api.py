"""The model-path design over HTTP: API-key auth, the model in the path, the create reply,
the lifecycle seen through ``/tasks`` (``succeeded`` and ``failed``), billing from the price
rules, media as long as ``settings.duration``, callbacks in this design's shape and its
OpenAPI entries (new-design-api.md 1-8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_server import ManualClock
from mock_server.auth import API_KEY_ONLY
from tests.conftest import ok
from tests.model_path.helpers import HOOK, T2V, jwt, served, settle, tasks
from tests.results.lengths import length

pytestmark = pytest.mark.anyio


async def test_only_the_api_key_opens_the_design_and_it_opens_legacy_paths_too(
    clock: ManualClock,
) -> None:
    async with served(clock) as (client, _, _):
        for method, path, body in (
            ("POST", T2V, {"prompt": "fox"}),
            ("POST", "/tasks", {}),
            ("GET", "/tasks?task_ids=1", None),
        ):
            for headers in (jwt(clock), {"Authorization": "Bearer wrong"}):
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
            "/v1/videos/text2video", json={"prompt": "fox"}, headers=jwt(clock)
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
        refused = await client.post("/text-to-video/kling-9", json={}, headers=jwt(clock))
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
            (task,) = await tasks(client, task_ids=created["id"])
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
        (by_external,) = await tasks(client, external_task_ids="ext-1")
        assert by_external == task
        again = await client.post(T2V, json=body)
        assert again.json()["message"] == "External_task_id ext-1 already exists"


async def test_a_failed_task_carries_its_reason_and_no_outputs_or_billing(
    clock: ManualClock,
) -> None:
    async with served(clock) as (client, _, _):
        created = ok(await client.post(T2V, json={"prompt": "fox kling-mock:fail"}))
        clock.advance(3600)
        (task,) = await tasks(client, task_ids=created["id"])
        assert task["status"] == "failed"
        assert task["message"] == "Failure to pass the risk control system"
        assert task["outputs"] == [] and task["billing"] == []


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
        (queried,) = await tasks(client, task_ids=created["id"])
        assert bodies[-1] == queried  # videos have no element materials to spell differently


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
