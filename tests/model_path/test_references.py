"""The ids a model-path body names: element and voice ids must be real objects of the
account, and the omni models' limits by element kind (new-design-api.md 2.2, 3.3)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server import ManualClock
from tests.conftest import ok
from tests.model_path.helpers import served, tasks

pytestmark = pytest.mark.anyio


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
        (task,) = await tasks(client, task_ids=made["task_id"])
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
        (task,) = await tasks(client, task_ids=made["task_id"])
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
