"""Bodies shaped the way public third-party Kling clients build them: every optional field
present, unset ones as null, defaults spelled out, an empty prompt for image-only video."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ok

pytestmark = pytest.mark.anyio

UNSET_VIDEO = {
    "negative_prompt": None,
    "shot_type": None,
    "multi_prompt": None,
    "sound": None,
    "camera_control": None,
    "watermark_info": None,
    "callback_url": None,
    "external_task_id": None,
}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/v1/videos/text2video",
            {
                "model_name": "kling-v2-master",
                "prompt": "a fox",
                "multi_shot": False,
                "cfg_scale": 0.5,
                "mode": "std",
                "aspect_ratio": "16:9",
                "duration": "5",
                **UNSET_VIDEO,
            },
        ),
        (
            "/v1/videos/image2video",
            {
                "model_name": "kling-v2-master",
                "image": "https://example.com/a.png",
                "image_tail": None,
                "prompt": "",
                "voice_list": None,
                "cfg_scale": 0.5,
                "mode": "std",
                "aspect_ratio": "16:9",
                "static_mask": None,
                "multi_shot": False,
                "dynamic_masks": None,
                "duration": "5",
                **UNSET_VIDEO,
            },
        ),
        (
            "/v1/videos/text2video",
            {"prompt": "numbers where strings are documented", "duration": 10, "cfg_scale": "0.3"},
        ),
        (
            "/v1/images/generations",
            {
                "model_name": "kling-v2-1",  # kling-v1 is discontinued live (--errors live)
                "prompt": "a lighthouse",
                "negative_prompt": None,
                "image": None,
                "n": "2",
                "aspect_ratio": "16:9",
                "callback_url": None,
            },
        ),
    ],
)
async def test_client_shaped_body_is_accepted(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    task = ok(await client.post(path, json=body))
    assert task["task_status"] == "submitted" and task["task_info"] == {}
