"""Every synchronous call's data matches its response schema, and stateful calls keep state."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mock_server import ManualClock
from mock_server.backend import Backend
from mock_server.examples import load
from tests.conftest import design_headers, ok

pytestmark = pytest.mark.anyio


def sync_endpoints() -> list[str]:
    from mock_server import Settings, create_app

    registry = create_app(Settings(clock="manual")).state.backend.registry
    return [e.id for e in registry.endpoints.values() if e.kind != "task"]


@pytest.mark.parametrize("endpoint", sync_endpoints())
async def test_sync_data_matches_its_schema(
    client: httpx.AsyncClient, backend: Backend, prepare_state: Any, endpoint: str
) -> None:
    ep = backend.registry.endpoints[endpoint]
    op = next(op for op in backend.registry if op.endpoint.id == endpoint)
    for case in load(endpoint, "valid"):
        if "errors" in case.extra:  # valid only with --errors documented
            continue
        body = prepare_state(endpoint, case.body)
        headers = design_headers(ep)
        if ep.method == "GET":
            response = await client.get(ep.path, params=body, headers=headers)
        else:
            response = await client.post(ep.path, json=body, headers=headers)
        if ep.live_omits_data:  # --errors live: no data key (live-behaviour.md A.4 #22)
            assert "data" not in response.json() and response.json()["code"] == 0
            continue
        data = ok(response)
        validator = Draft202012Validator(op.data_schema, registry=backend.registry.spec.registry)
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, (case.name, errors)


async def _finished_voice(client: httpx.AsyncClient, clock: ManualClock) -> str:
    created = ok(
        await client.post(
            "/v1/general/custom-voices",
            json={"voice_name": "me", "voice_url": "https://e.com/v.mp3"},
        )
    )
    clock.advance(60)
    task = ok(await client.get(f"/v1/general/custom-voices/{created['task_id']}"))
    return str(task["task_result"]["voices"][0]["voice_id"])


async def test_deleting_a_voice_twice_fails_the_second_time(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    voice_id = await _finished_voice(client, clock)
    deleted = await client.post("/v1/general/delete-voices", json={"voice_id": voice_id})
    assert deleted.json()["code"] == 0
    again = await client.post("/v1/general/delete-voices", json={"voice_id": voice_id})
    assert again.json() | {"request_id": ""} == {
        "code": 1201,
        "message": f"Voice id not found: {voice_id}",
        "request_id": "",
    }


async def test_old_elements_are_listed_newest_first_and_deletable(
    client: httpx.AsyncClient,
) -> None:
    made = []
    for name in ("one", "two"):
        made.append(
            ok(
                await client.post(
                    "/v1/general/custom-elements",
                    json={
                        "element_name": name,
                        "element_description": "d",
                        "element_frontal_image": "https://e.com/f.png",
                        "element_refer_list": [{"image_url": "https://e.com/r.png"}],
                    },
                )
            )["element_id"]
        )
    listed = ok(await client.get("/v1/general/custom-elements"))
    assert [e["element_id"] for e in listed] == made[::-1]
    deleted = await client.post("/v1/general/delete-elements", json={"element_id": str(made[0])})
    assert deleted.json()["code"] == 0
    assert [e["element_id"] for e in ok(await client.get("/v1/general/custom-elements"))] == made[
        1:
    ]


async def test_selection_needs_a_live_session(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    body = {"session_id": "nope", "frame_index": 0, "points": [{"x": 0.5, "y": 0.5}]}
    response = await client.post("/v1/videos/multi-elements/add-selection", json=body)
    assert response.json()["code"] == 1201
    session = ok(
        await client.post(
            "/v1/videos/multi-elements/init-selection", json={"video_url": "https://e.com/v.mp4"}
        )
    )["session_id"]
    added = ok(
        await client.post(
            "/v1/videos/multi-elements/add-selection", json={**body, "session_id": session}
        )
    )
    assert added["res"]["frame_index"] == 0 and len(added["res"]["rle_mask_list"]) == 1
    clock.advance(24 * 3600 + 1)
    expired = await client.post(
        "/v1/videos/multi-elements/add-selection", json={**body, "session_id": session}
    )
    assert "expired" in expired.json()["message"]


async def test_account_costs_reflect_finished_tasks(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    window: dict[str, Any] = {"start_time": 0, "end_time": clock.now_ms() + 10**9}
    before = ok(await client.get("/account/costs", params=window))
    ok(await client.post("/v1/videos/text2video", json={"prompt": "p", "mode": "pro"}))
    clock.advance(60)
    after = ok(await client.get("/account/costs", params=window))
    video = [
        p for p in after["resource_pack_subscribe_infos"] if "Video" in p["resource_pack_name"]
    ]
    old = [p for p in before["resource_pack_subscribe_infos"] if "Video" in p["resource_pack_name"]]
    assert old[0]["remaining_quantity"] - video[0]["remaining_quantity"] == 3.5
    details = ok(await client.post("/account/billing/package", json=window))
    assert details["result"]["count"] == 1
    assert details["result"]["detail"][0]["deduction_amount"] == 3.5
